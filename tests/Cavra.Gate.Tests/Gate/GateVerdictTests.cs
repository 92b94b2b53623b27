using System.Text;
using Cavra.Gate.Configuration;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Gate;

public sealed class GateVerdictTests : IDisposable
{
    private readonly EvidenceSet _set = new();
    public void Dispose() => _set.Dispose();

    [Fact]
    public void A_complete_valid_fresh_set_selects_go()
    {
        var v = GateVerdict.Evaluate(_set.Context());
        Assert.True(v.GatePassed, string.Join("\n", v.AttentionChecks));
        Assert.True(v.GoSelected);
        Assert.Equal("go", v.SelectedBackend);
        Assert.Equal(GateStep.None, v.FailedStep);
        Assert.Equal("", v.FallbackReason);
        Assert.Empty(v.BlockingChecks);
        // The sample evidence is not bound to a binary: an advisory warning that does not block the gate.
        Assert.Equal(new[] { "go_promotion_evidence_binding" }, v.AttentionChecks.Select(c => c.Id));
        Assert.All(v.Sections, s => Assert.Contains(s.Status, new[] { ReportStatus.Ready, ReportStatus.DueSoon }));
    }

    [Theory]
    [InlineData(BackendMode.Disabled)]
    [InlineData(BackendMode.Shadow)]
    [InlineData(BackendMode.Enforce)]
    public void Other_modes_never_select_go_but_still_evaluate_the_gate(BackendMode mode)
    {
        var v = GateVerdict.Evaluate(_set.Context(_set.Parameters(mode)));
        Assert.True(v.GatePassed);
        Assert.False(v.GoSelected);
        Assert.Equal("dotnet", v.SelectedBackend);
        Assert.Equal(mode, v.Mode);
        Assert.Contains("configured mode is", v.Summary);
    }

    public static TheoryData<string, GateStep, string> OneBrokenInput => new()
    {
        { "runtime", GateStep.Runtime, "go backend readiness check failed" },
        { "policy", GateStep.Runtime, "go backend readiness check failed" },
        { "package", GateStep.Promotion, "go backend promotion readiness check failed" },
        { "promotion", GateStep.Promotion, "go backend promotion readiness check failed" },
        { "plan", GateStep.Rollback, "go backend rollback readiness check failed" },
        { "rehearsal", GateStep.RollbackRehearsal, "go backend rollback rehearsal check failed" },
        { "drills", GateStep.RollbackDrillHistory, "go backend rollback drill history check failed" },
        { "schedule", GateStep.RollbackDrillSchedule, "go backend rollback drill schedule check failed" },
    };

    [Theory]
    [MemberData(nameof(OneBrokenInput))]
    public void Removing_any_one_input_flips_the_verdict_naming_the_first_failing_step(string input, GateStep step, string reason)
    {
        string path = input switch
        {
            "runtime" => _set.RuntimePath,
            "policy" => _set.PolicyPath,
            "package" => Path.Combine(_set.PackageDir, "cavra-runtime.ci-runner-bundles.json"),
            "promotion" => _set.PromotionEvidencePath,
            "plan" => _set.RollbackPlanPath,
            "rehearsal" => _set.RollbackRehearsalPath,
            "drills" => _set.RollbackDrillHistoryPath,
            _ => _set.RollbackDrillSchedulePath,
        };
        File.Delete(path);
        var v = GateVerdict.Evaluate(_set.Context());
        Assert.False(v.GoSelected);
        Assert.Equal(step, v.FailedStep);
        Assert.Equal(reason, v.FallbackReason);
        Assert.NotEmpty(v.BlockingChecks);
        Assert.Contains(reason, v.Summary);
    }

    [Theory]
    [MemberData(nameof(OneBrokenInput))]
    public void Breaking_any_one_input_flips_the_verdict(string input, GateStep step, string reason)
    {
        if (input is "runtime" or "policy") return; // existence-only inputs: covered by removal
        string path = input switch
        {
            "package" => Path.Combine(_set.PackageDir, "cavra-runtime.ci-runner-bundles.json"),
            "promotion" => _set.PromotionEvidencePath,
            "plan" => _set.RollbackPlanPath,
            "rehearsal" => _set.RollbackRehearsalPath,
            "drills" => _set.RollbackDrillHistoryPath,
            _ => _set.RollbackDrillSchedulePath,
        };
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"schema_version\": \"", "\"schema_version\": \"x-"));
        var v = GateVerdict.Evaluate(_set.Context());
        Assert.Equal(step, v.FailedStep);
        Assert.Equal(reason, v.FallbackReason);
    }

    [Fact]
    public void The_schedule_joins_the_gate_only_when_configured()
    {
        File.Delete(_set.RollbackDrillSchedulePath);
        var v = GateVerdict.Evaluate(_set.Context(_set.Parameters(withSchedule: false)));
        Assert.False(v.ScheduleInGate);
        Assert.True(v.GoSelected);
    }

    [Fact]
    public void A_schedule_due_soon_still_passes()
    {
        _set.Rewrite("cavra-runtime.go-backend-rollback-drill-schedule.json", IsoTimestamp.Format(EvidenceSet.Now.AddDays(30)), IsoTimestamp.Format(EvidenceSet.Now.AddDays(3)));
        var v = GateVerdict.Evaluate(_set.Context());
        Assert.Equal(ReportStatus.DueSoon, v.RollbackDrillSchedule.Status);
        Assert.True(v.GoSelected);
    }

    [Fact]
    public void A_stale_drill_history_stops_promotion()
    {
        var v = GateVerdict.Evaluate(_set.Context(clock: new FakeTimeProvider(EvidenceSet.Now.AddDays(120))));
        Assert.False(v.GoSelected);
        Assert.Equal(GateStep.RollbackDrillHistory, v.FailedStep);
        Assert.Contains(v.BlockingChecks, c => c.Id == "go_rollback_drill_freshness");
    }

    public static TheoryData<string> Inputs => new()
    {
        "cavra-runtime.go-backend-promotion-evidence.json", "cavra-runtime.go-backend-rollback-plan.json",
        "cavra-runtime.go-backend-rollback-rehearsal.json", "cavra-runtime.go-backend-rollback-drills.json",
        "cavra-runtime.go-backend-rollback-drill-schedule.json", "package/cavra-runtime.endpoint-deployment.json",
        "package/cavra-runtime.ci-runner-bundles.json", "package/cavra-runtime.channels.json", "package/cavra-runtime.updater-policy.json",
    };

    /// <summary>Each corruption of each input: nothing throws, the gate fails closed, Go is never selected.</summary>
    public static IEnumerable<(string Name, Func<string, byte[]> Corrupt)> Corruptions()
    {
        yield return ("empty", _ => Array.Empty<byte>());
        yield return ("not json", _ => "schema_version: yaml"u8.ToArray());
        yield return ("array", _ => "[]"u8.ToArray());
        yield return ("null document", _ => "null"u8.ToArray());
        yield return ("duplicate key", t => Encoding.UTF8.GetBytes(t.Replace("\"schema_version\":", "\"schema_version\": \"x\", \"schema_version\":")));
        yield return ("NaN", t => Encoding.UTF8.GetBytes(t.Insert(t.IndexOf('{') + 1, "\"n\": NaN,")));
        yield return ("invalid utf8", t => Encoding.UTF8.GetBytes(t).Concat(new byte[] { 0xFF, 0xFE }).ToArray());
        yield return ("2 MiB", t => Encoding.UTF8.GetBytes(t.Insert(t.IndexOf('{') + 1, "\"pad\": \"" + new string('x', 2 * 1024 * 1024) + "\",")));
        yield return ("deep nesting", t => Encoding.UTF8.GetBytes(t.Insert(t.IndexOf('{') + 1, "\"deep\": " + new string('[', 70) + new string(']', 70) + ",")));
        yield return ("every value null", t => Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(t, ":\\s*(\"[^\"]*\"|true|false|[0-9.]+|\\[[^\\]]*\\])", ": null")));
        yield return ("lists become strings", t => Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(t, ":\\s*\\[[^\\]]*\\]", ": \"x\"")));
        yield return ("strings become numbers", t => Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(t, ":\\s*\"[^\"]*\"", ": 1")));
        yield return ("objects become scalars", t => Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(t, "\\[\\s*\\{", "[7, {")));
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Strictness_table_every_corruption_fails_closed(string input)
    {
        var path = Path.Combine(_set.Directory, input);
        var original = File.ReadAllText(path);
        foreach (var (name, corrupt) in Corruptions())
        {
            var corrupted = corrupt(original);
            if (corrupted.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(original))) continue; // this shape does not occur in this file
            File.WriteAllBytes(path, corrupted);
            GateVerdict v;
            try { v = GateVerdict.Evaluate(_set.Context()); }
            catch (Exception ex) { throw new Xunit.Sdk.XunitException($"{input} / {name}: threw {ex}"); }
            Assert.False(v.GoSelected, $"{input} / {name}: Go was selected");
            Assert.NotEqual(GateStep.None, v.FailedStep);
            Assert.NotEmpty(v.BlockingChecks);
            Assert.All(v.BlockingChecks, c => Assert.False(string.IsNullOrWhiteSpace(c.Message)));
            _ = CanonicalJsonWriter.Serialize(v); // serialising a fail-closed verdict must not throw either
        }
        File.WriteAllText(path, original);
        Assert.True(GateVerdict.Evaluate(_set.Context()).GoSelected);
    }

    [Fact]
    public void Directory_and_unreadable_inputs_fail_closed()
    {
        File.Delete(_set.RollbackPlanPath);
        Directory.CreateDirectory(_set.RollbackPlanPath);
        var v = GateVerdict.Evaluate(_set.Context());
        Assert.Equal(GateStep.Rollback, v.FailedStep);
        Directory.Delete(_set.RollbackPlanPath);
        File.WriteAllText(_set.RollbackPlanPath, "{}");
        var ctx = _set.Context();
        ctx.Files.OpenRead = p => p.EndsWith("rollback-plan.json") ? throw new UnauthorizedAccessException() : File.OpenRead(p);
        v = GateVerdict.Evaluate(ctx);
        Assert.Equal(GateStep.Rollback, v.FailedStep);
        Assert.Contains(v.BlockingChecks, c => c.Message.Contains("permission denied"));
    }

    [Fact]
    public void A_bom_is_accepted()
    {
        var bytes = File.ReadAllBytes(_set.RollbackPlanPath);
        File.WriteAllBytes(_set.RollbackPlanPath, new byte[] { 0xEF, 0xBB, 0xBF }.Concat(bytes).ToArray());
        Assert.True(GateVerdict.Evaluate(_set.Context()).GoSelected);
    }

    [Fact]
    public void Future_dated_drill_fails_closed()
    {
        _set.Rewrite("cavra-runtime.go-backend-rollback-drills.json", IsoTimestamp.Format(EvidenceSet.Now.AddDays(-1)), IsoTimestamp.Format(EvidenceSet.Now.AddHours(1)));
        var v = GateVerdict.Evaluate(_set.Context());
        Assert.Equal(GateStep.RollbackDrillHistory, v.FailedStep);
    }

    [Fact]
    public void Canonical_json_has_the_verdict_then_every_section()
    {
        var json = CanonicalJsonWriter.Serialize(GateVerdict.Evaluate(_set.Context()));
        var doc = (Cavra.Gate.Json.JsonObject)Cavra.Gate.Json.StrictJsonParser.Parse(json);
        Assert.Equal(new[] { "schema_version", "mode", "go_selected", "gate_passed", "selected_backend", "failed_step", "fallback_reason", "summary",
            "blocking_checks", "evaluated_at", "schedule_in_gate", "readiness", "deployment_readiness", "promotion_readiness", "rollback_readiness",
            "rollback_rehearsal", "rollback_drill_history", "rollback_drill_schedule" }, doc.Members.Select(m => m.Key));
        Assert.Contains("\"evaluated_at\": \"2026-11-26T12:00:00+00:00\"", json);
    }

    [Fact]
    public void One_evaluation_reads_each_file_once()
    {
        var ctx = _set.Context();
        var reads = new List<string>();
        ctx.Files.FileRead += reads.Add;
        GateVerdict.Evaluate(ctx);
        Assert.Equal(reads.Count, reads.Distinct().Count());
        Assert.Equal(9, reads.Count);
    }
}
