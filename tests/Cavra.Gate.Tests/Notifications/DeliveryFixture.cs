using System.Text.Json.Nodes;
using Cavra.Gate.Evidence;
using Cavra.Gate.FileSystem;
using Cavra.Gate.Json;
using JsonObject = System.Text.Json.Nodes.JsonObject;
using JsonArray = System.Text.Json.Nodes.JsonArray;
using Cavra.Gate.Notifications;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Notifications;

/// <summary>A temp folder, a pinned clock and builders for schedules, connector configs and plans (notification tests).</summary>
public sealed class DeliveryFixture : IDisposable
{
    // A pinned instant on a FakeTimeProvider: nothing in these tests expires as the calendar moves on.
    public static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public DeliveryFixture() { Dir = Directory.CreateTempSubdirectory("cavra-notify-").FullName; }

    public string Dir { get; }
    public FakeTimeProvider Clock { get; } = new(Now);
    public string Ledger => Path.Combine(Dir, "notifications.jsonl");
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    /// <summary>The example schedule: due in 30 days, owner release-governance, providers slack and teams.</summary>
    public static JsonObject ScheduleDoc(double dueInDays = 30) => new()
    {
        ["schema_version"] = "cavra.go-backend-rollback-drill-schedule.v1",
        ["schedule_id"] = "go_backend_python_fallback_monthly",
        ["environment"] = "production-pilot",
        ["status"] = "active",
        ["interval_days"] = 30,
        ["next_due_at"] = Cavra.Gate.Time.IsoTimestamp.Format(Now.AddDays(dueInDays)),
        ["owners"] = new JsonArray("release-governance"),
        ["notification_providers"] = new JsonArray("slack", "teams"),
        ["runbook_ref"] = "docs/go-backend-rollback-drill-scheduling.md",
    };

    public RollbackDrillSchedule Schedule(JsonObject doc, double dueSoonDays = 14.0)
    {
        var parsed = (Cavra.Gate.Json.JsonObject)StrictJsonParser.Parse(doc.ToJsonString());
        var files = new InputFiles(Dir);
        var history = RollbackDrillHistory.Read(files, "", 90.0, Clock);
        return RollbackDrillSchedule.FromDocument(JsonFileCheck.Ok(parsed, Path.Combine(Dir, "schedule.json")), history, dueSoonDays, Clock);
    }

    public NotificationPlan Plan(JsonObject doc)
    {
        var schedule = Schedule(doc);
        return NotificationPlan.Build(schedule, ScheduleStatuses.Of(schedule), Clock.GetUtcNow());
    }

    /// <summary>Writes <paramref name="text"/> as the connector config and reads it with <see cref="Environment"/>.</summary>
    public ConnectorConfig Config(string text)
    {
        string path = Path.Combine(Dir, "connectors.json");
        File.WriteAllText(path, text);
        return ConnectorConfig.Read(new InputFiles(Dir), "connectors.json", name => Environment.TryGetValue(name, out var v) ? v : null);
    }

    public ConnectorConfig Config(params JsonObject[] connectors) =>
        Config(new JsonObject { ["connectors"] = new JsonArray(connectors.Select(c => (JsonNode)c).ToArray()) }.ToJsonString());

    public static JsonObject Connector(string provider, string url, int retries = 2, double timeout = 10, JsonObject? headers = null)
    {
        var c = new JsonObject { ["provider"] = provider, ["url"] = url, ["retries"] = retries, ["timeout_seconds"] = timeout };
        if (headers != null) c["headers"] = headers;
        if (provider == "jira") c["project_key"] = "OPS";
        return c;
    }

    public string LedgerText => File.Exists(Ledger) ? File.ReadAllText(Ledger) : "";
}
