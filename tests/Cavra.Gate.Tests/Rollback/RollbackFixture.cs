using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;
using JArray = System.Text.Json.Nodes.JsonArray;
using JObject = System.Text.Json.Nodes.JsonObject;
using Cavra.Gate.FileSystem;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Rollback;

/// <summary>
/// The rollback documents of an <see cref="EvidenceSet"/>, rewritten from the upstream fixtures below (valid and fresh
/// relative to the pinned clock: executed_at = now - 1 day, next_due_at = now + 30 days), plus helpers to mutate them
/// and inspect reports. The folder, file names and clock are the evidence set's.
/// </summary>
public sealed class RollbackFixture : IDisposable
{
    public static readonly DateTimeOffset Now = EvidenceSet.Now;

    public const string Plan = EvidenceSet.Plan;
    public const string Rehearsal = EvidenceSet.Rehearsal;
    public const string Drills = EvidenceSet.Drills;
    public const string Schedule = EvidenceSet.Schedule;

    public RollbackFixture()
    {
        Write(Plan, PlanDoc());
        Write(Rehearsal, RehearsalDoc());
        Write(Drills, DrillsDoc());
        Write(Schedule, ScheduleDoc());
        Clock = new FakeTimeProvider(Now);
    }

    public EvidenceSet Set { get; } = new();
    public string Dir => Set.Directory;
    public FakeTimeProvider Clock { get; }
    public void Dispose() => Set.Dispose();

    public string PathOf(string name) => Set.PathOf(name);

    public static string Iso(DateTimeOffset t) => IsoTimestamp.Format(t);

    public static JObject PlanDoc() => Parse("""
        {
          "schema_version": "cavra.go-backend-rollback-plan.v1",
          "status": "ready",
          "target_mode": "disabled",
          "approved": true,
          "approval_id": "apr_go_backend_rollback",
          "max_recovery_minutes": 15,
          "controls": ["python-fallback-available", "promoted-mode-disable-tested", "rollback-approval-recorded",
                       "operator-runbook-linked", "evidence-capture-enabled"],
          "rollback_steps": ["Set CAVRA_GO_BACKEND_MODE=disabled.", "Restart the process using CAVRA.", "Capture readiness reports."],
          "evidence_refs": ["go-rollback-readiness://ci/ready", "go-promotion-rollback-runbook://docs/current"]
        }
        """);

    public static JObject RehearsalDoc() => Parse("""
        {
          "schema_version": "cavra.go-backend-rollback-rehearsal.v1",
          "status": "pass",
          "plan_approval_id": "apr_go_backend_rollback",
          "simulated": true,
          "fallback_verified": true,
          "recovery_minutes": 6,
          "max_recovery_minutes": 15,
          "runbook_ref": "docs/go-backend-rollback-rehearsal.md",
          "evidence_refs": ["go-rollback-rehearsal://ci/fallback-restored", "go-production-readiness://ci/after-rehearsal"]
        }
        """);

    public static JObject Drill(string id, DateTimeOffset executedAt) => Drill(id, Iso(executedAt));

    public static JObject Drill(string id, string executedAt) => Parse($$"""
        {
          "drill_id": "{{id}}",
          "executed_at": "{{executedAt}}",
          "actor": "release-agent",
          "source_mode": "promoted",
          "target_mode": "disabled",
          "status": "pass",
          "fallback_verified": true,
          "recovery_minutes": 7,
          "max_recovery_minutes": 15,
          "runbook_ref": "docs/go-backend-rollback-drill-history.md",
          "evidence_refs": ["go-rollback-drill://ci/python-fallback-restored", "go-production-readiness://ci/post-drill-ready"]
        }
        """);

    public static JObject DrillsDoc(params JsonNode[] drills)
    {
        var doc = Parse("""{"schema_version": "cavra.go-backend-rollback-drill-history.v1", "environment": "production-pilot"}""");
        doc["drills"] = new JArray(drills.Length > 0 ? drills : new JsonNode[] { Drill("drill_go_backend_python_fallback", Now.AddDays(-1)) });
        return doc;
    }

    public static JObject ScheduleDoc(string? nextDueAt = null)
    {
        var doc = Parse("""
            {
              "schema_version": "cavra.go-backend-rollback-drill-schedule.v1",
              "schedule_id": "go_backend_python_fallback_monthly",
              "environment": "production-pilot",
              "status": "active",
              "interval_days": 30,
              "next_due_at": "",
              "owners": ["release-governance"],
              "notification_providers": ["slack", "teams"],
              "runbook_ref": "docs/go-backend-rollback-drill-scheduling.md"
            }
            """);
        doc["next_due_at"] = nextDueAt ?? Iso(Now.AddDays(30));
        return doc;
    }

    public static JObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    public string Write(string name, JsonNode doc) => Write(name, doc.ToJsonString());
    public string Write(string name, string text) => WriteBytes(name, Encoding.UTF8.GetBytes(text));
    public string WriteBytes(string name, byte[] bytes)
    {
        var path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Sets (or with <paramref name="rawJson"/> null, removes) the member at <paramref name="path"/>
    /// ("key", "approval.status", "drills[0].status") of a document and returns it.</summary>
    public static JObject Mutate(JObject doc, string path, string? rawJson)
    {
        JsonNode parent = doc;
        var parts = path.Split('.');
        for (int i = 0; i < parts.Length - 1; i++) parent = Step(parent, parts[i]);
        string last = parts[^1];
        if (last.EndsWith(']'))
        {
            parent = Step(parent, last[..last.IndexOf('[')]);
            int index = int.Parse(last[(last.IndexOf('[') + 1)..^1]);
            parent.AsArray()[index] = rawJson == null ? null : JsonNode.Parse(rawJson);
            return doc;
        }
        var obj = parent.AsObject();
        if (rawJson == null) obj.Remove(last);
        else obj[last] = JsonNode.Parse(rawJson); // JsonNode.Parse("null") is null: a JSON null member
        return doc;
    }

    private static JsonNode Step(JsonNode node, string part)
    {
        int bracket = part.IndexOf('[');
        if (bracket < 0) return node[part]!;
        var list = node[part[..bracket]]!;
        return list[int.Parse(part[(bracket + 1)..^1])]!;
    }

    /// <summary>All four paths configured, promoted mode, unless overridden.</summary>
    public GateParameters Parameters(BackendMode mode = BackendMode.Promoted) => new()
    {
        Mode = mode,
        RollbackPlanPath = PathOf(Plan),
        RollbackRehearsalPath = PathOf(Rehearsal),
        RollbackDrillHistoryPath = PathOf(Drills),
        RollbackDrillSchedulePath = PathOf(Schedule),
    };

    public GateContext Context(GateParameters? parameters = null, InputFiles? files = null) =>
        new(GateConfig.Resolve(parameters ?? Parameters(), _ => null), files ?? new InputFiles(Dir), Clock);

    public JsonFileCheck Read(string name) => new InputFiles(Dir).ReadObject(PathOf(name));

    // ---- inspection helpers -------------------------------------------------------------------------------

    public static List<string> Keys(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToList();
    public static List<string> Keys(ICanonicalJson value) => Keys(JsonOf(value));
    public static JsonElement JsonOf(ICanonicalJson value) => JsonDocument.Parse(CanonicalJsonWriter.Serialize(value)).RootElement.Clone();
    public static string Canonical(object? value) => CanonicalJsonWriter.Serialize(value, indented: false);

    public static ReadinessCheck Check(ReadinessReport report, string id) => Assert.Single(report.Checks, c => c.Id == id);

    /// <summary>Asserts a check's status, message and extras (names in order; values compared as canonical JSON).</summary>
    public static void AssertCheck(ReadinessReport report, string id, CheckStatus status, string message, params (string Key, object? Value)[] extras)
    {
        var check = Check(report, id);
        Assert.Equal(status, check.Status);
        Assert.Equal(message, check.Message);
        Assert.Equal(extras.Select(e => e.Key), check.Extras.Keys.Cast<string>());
        foreach (var (key, value) in extras) Assert.Equal(Canonical(value), Canonical(check[key]));
        // and the record's own JSON: id, status, message, then the extras in order
        Assert.Equal(new[] { "id", "status", "message" }.Concat(extras.Select(e => e.Key)), Keys(check));
    }
}
