using System.Threading;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;
using Cavra.Gate.Tests.Gate;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Pilot;

/// <summary>A runtime double: answers with the built-in engine's decision unless told otherwise, and counts calls.</summary>
internal sealed class FakeRuntime : IGoRuntime
{
    public Func<ActionRequest, GoRuntimeAnswer>? Answer;
    public int Calls;

    public GoRuntimeAnswer Evaluate(ActionRequest request, GateConfig config, CancellationToken cancellationToken)
    {
        Calls++;
        if (Answer != null) return Answer(request);
        // Like cavra-runtime, answer from the --policy/--registry the pilot configured.
        var decision = AuthoritativeEngine.Load(new InputFiles(), config.PolicyPath, config.RegistryPath, TimeProvider.System).Evaluate(request);
        return GoRuntimeAnswer.Answered((JsonObject)StrictJsonParser.Parse(decision.ToRuntimeJson()), TimeSpan.FromMilliseconds(1));
    }

    public static GoRuntimeAnswer With(string decision, string ruleId, string severity) =>
        GoRuntimeAnswer.Answered((JsonObject)StrictJsonParser.Parse($"{{\"decision\":\"{decision}\",\"rule_id\":\"{ruleId}\",\"severity\":\"{severity}\"}}"), TimeSpan.Zero);
}

public sealed class PilotEvaluatorTests : IDisposable
{
    private readonly EvidenceSet _set = new();
    private readonly FakeRuntime _runtime = new();
    public void Dispose() => _set.Dispose();

    private static ActionRequest Command(string target) => new() { ActionType = "execute_command", Target = target };

    private PilotEvaluator Pilot(BackendMode mode, TimeProvider? clock = null)
    {
        var p = _set.Parameters(mode);
        p.PolicyPath = Path.Combine(EvidenceSet.RepoRoot, "examples", "policy", "compiled_policy.json");
        return new PilotEvaluator(_set.Context(p, clock), _runtime);
    }

    [Fact]
    public void Disabled_never_calls_the_runtime()
    {
        var r = Pilot(BackendMode.Disabled).Evaluate(Command("custom scan --check"));
        Assert.Equal(0, _runtime.Calls);
        Assert.Equal("dotnet", r.SelectedBackend);
        Assert.False(r.FallbackUsed);
        Assert.Equal("go backend pilot is disabled", r.FallbackReason);
        Assert.Null(r.ParityMatch);
        Assert.Null(r.Readiness);
        Assert.Equal("commands.allow", r.RuleId);
    }

    [Fact]
    public void Shadow_records_parity_and_keeps_the_builtin_decision()
    {
        var r = Pilot(BackendMode.Shadow).Evaluate(Command("dangerous mutate --apply"));
        Assert.Equal(1, _runtime.Calls);
        Assert.Equal("dotnet", r.SelectedBackend);
        Assert.True(r.ParityMatch);
        Assert.False(r.FallbackUsed);
        Assert.Equal("", r.FallbackReason);
        Assert.NotNull(r.GoDecision);
        Assert.Equal("block", r.Decision);
        Assert.Equal("critical", r.Severity);
    }

    [Theory]
    [InlineData(BackendMode.Enforce)]
    [InlineData(BackendMode.Promoted)]
    public void Enforce_and_promoted_select_go_on_parity(BackendMode mode)
    {
        var r = Pilot(mode).Evaluate(Command("custom scan --check"));
        Assert.Equal("go", r.SelectedBackend);
        Assert.True(r.ParityMatch);
        Assert.False(r.FallbackUsed);
        Assert.Null(r.Readiness);
        Assert.Null(r.PromotionReadiness);
    }

    [Theory]
    [InlineData("block", "commands.allow", "low")]
    [InlineData("allow", "commands.block", "low")]
    [InlineData("allow", "commands.allow", "high")]
    public void Any_difference_in_decision_rule_or_severity_diverges(string decision, string rule, string severity)
    {
        _runtime.Answer = _ => FakeRuntime.With(decision, rule, severity);
        var r = Pilot(BackendMode.Enforce).Evaluate(Command("custom scan --check"));
        Assert.Equal("dotnet", r.SelectedBackend);
        Assert.False(r.ParityMatch);
        Assert.True(r.FallbackUsed);
        Assert.Equal("go decision diverged from built-in .NET parity gate", r.FallbackReason);
        Assert.Equal("allow", r.Decision);
    }

    [Fact]
    public void A_go_decision_missing_fields_diverges()
    {
        _runtime.Answer = _ => GoRuntimeAnswer.Answered(JsonObject.Empty, TimeSpan.Zero);
        var r = Pilot(BackendMode.Enforce).Evaluate(Command("custom scan --check"));
        Assert.False(r.ParityMatch);
        Assert.Equal("dotnet", r.SelectedBackend);
    }

    [Fact]
    public void Runtime_failure_falls_back_and_attaches_readiness_only()
    {
        _runtime.Answer = _ => GoRuntimeAnswer.Failed("timed out after 5.0 seconds", TimeSpan.FromSeconds(5));
        var r = Pilot(BackendMode.Promoted).Evaluate(Command("custom scan --check"));
        Assert.Equal("go runtime failed: timed out after 5.0 seconds", r.FallbackReason);
        Assert.True(r.FallbackUsed);
        Assert.NotNull(r.Readiness);
        Assert.Null(r.PromotionReadiness);
        Assert.Null(r.ParityMatch);
        Assert.Null(r.GoDecision);
        Assert.NotNull(r.Audit);
    }

    [Fact]
    public void Readiness_comes_first_in_every_enabled_mode()
    {
        File.Delete(_set.RuntimePath);
        foreach (var mode in new[] { BackendMode.Shadow, BackendMode.Enforce, BackendMode.Promoted })
        {
            var r = Pilot(mode).Evaluate(Command("custom scan --check"));
            Assert.Equal("go backend readiness check failed", r.FallbackReason);
            Assert.Equal(ReportStatus.NeedsAttention, r.Readiness!.Status);
        }
        Assert.Equal(0, _runtime.Calls);
    }

    [Fact]
    public void Promoted_gate_failure_attaches_reports_through_the_failing_step_and_the_audit()
    {
        File.Delete(_set.RollbackRehearsalPath);
        var r = Pilot(BackendMode.Promoted).Evaluate(Command("custom scan --check"));
        Assert.Equal(0, _runtime.Calls);
        Assert.Equal("go backend rollback rehearsal check failed", r.FallbackReason);
        Assert.NotNull(r.Readiness);
        Assert.NotNull(r.PromotionReadiness);
        Assert.NotNull(r.RollbackReadiness);
        Assert.NotNull(r.RollbackRehearsal);
        Assert.Null(r.RollbackDrillHistory);
        Assert.Null(r.RollbackDrillSchedule);
        Assert.Equal("apr_go_backend_promotion", r.Audit!.PromotionApprovalId);
        Assert.Equal("apr_go_backend_rollback", r.Audit.RollbackPlanApprovalId);
        Assert.Equal("drill_go_backend_python_fallback", r.Audit.LatestDrillId);
        Assert.Equal(GateStep.RollbackRehearsal, r.Audit.FailedStep);
    }

    [Fact]
    public void Promoted_success_carries_the_audit_trail()
    {
        var r = Pilot(BackendMode.Promoted).Evaluate(Command("custom scan --check"));
        Assert.Equal("go", r.SelectedBackend);
        Assert.Equal(new[] { "go-runtime-parity://ci/238-passed", "go-deployment-readiness://ci/ready" }, r.Audit!.PromotionEvidenceRefs);
        Assert.True(r.Audit.GatePassed);
    }

    [Fact]
    public void A_stream_evaluates_the_gate_once_until_an_input_changes()
    {
        var clock = new FakeTimeProvider(EvidenceSet.Now);
        var pilot = Pilot(BackendMode.Promoted, clock);
        for (int i = 0; i < 50; i++) Assert.Equal("go", pilot.Evaluate(Command("custom scan --check")).SelectedBackend);
        Assert.Equal(1, pilot.GateEvaluations);

        File.Delete(_set.RollbackDrillHistoryPath);
        var r = pilot.Evaluate(Command("custom scan --check"));
        Assert.Equal(2, pilot.GateEvaluations);
        Assert.Equal("go backend rollback drill history check failed", r.FallbackReason);

        clock.Advance(TimeSpan.FromMinutes(5)); // time alone also re-evaluates: drills go stale on time
        pilot.Evaluate(Command("custom scan --check"));
        Assert.Equal(3, pilot.GateEvaluations);
    }

    [Fact]
    public void An_input_rewritten_between_two_actions_is_seen_by_the_second_even_with_its_old_modification_time()
    {
        var pilot = Pilot(BackendMode.Promoted, new FakeTimeProvider(EvidenceSet.Now));
        Assert.Equal("go", pilot.Evaluate(Command("custom scan --check")).SelectedBackend);
        var written = File.GetLastWriteTimeUtc(_set.RollbackDrillHistoryPath);
        File.WriteAllText(_set.RollbackDrillHistoryPath, "{}"); // another size; the time put back, as a coarse clock would leave it
        File.SetLastWriteTimeUtc(_set.RollbackDrillHistoryPath, written);

        var r = pilot.Evaluate(Command("custom scan --check"));
        Assert.Equal(2, pilot.GateEvaluations);
        Assert.True(r.FallbackUsed);
        Assert.Equal("dotnet", r.SelectedBackend);
    }

    [Fact]
    public void An_input_that_appears_between_two_actions_is_seen_by_the_second()
    {
        var pilot = Pilot(BackendMode.Promoted, new FakeTimeProvider(EvidenceSet.Now));
        var saved = File.ReadAllBytes(_set.RollbackDrillHistoryPath);
        File.Delete(_set.RollbackDrillHistoryPath);
        Assert.True(pilot.Evaluate(Command("custom scan --check")).FallbackUsed);

        File.WriteAllBytes(_set.RollbackDrillHistoryPath, saved);
        Assert.Equal("go", pilot.Evaluate(Command("custom scan --check")).SelectedBackend);
        Assert.Equal(2, pilot.GateEvaluations);
    }

    [Fact]
    public void An_unloadable_policy_fails_closed()
    {
        var p = _set.Parameters(BackendMode.Shadow);
        File.WriteAllText(_set.PolicyPath, "{\"commands\": {\"block\": \"not a list\"}}");
        var pilot = new PilotEvaluator(_set.Context(p), _runtime);
        var r = pilot.Evaluate(Command("pytest"));
        Assert.NotEqual("", pilot.PolicyProblem);
        Assert.Equal("block", r.DotnetDecision.Verdict);
        Assert.Equal(AuthoritativeEngine.UnavailableRuleId, r.DotnetDecision.RuleId);
        Assert.Equal("dotnet", r.SelectedBackend);
    }

    [Fact]
    public void The_registry_is_used_by_the_builtin_engine_too()
    {
        var p = _set.Parameters(BackendMode.Disabled);
        p.PolicyPath = "";
        p.RegistryPath = Path.Combine(EvidenceSet.RepoRoot, "examples", "policy", "mcp_registry.json");
        var pilot = new PilotEvaluator(_set.Context(p), _runtime);
        var r = pilot.Evaluate(new ActionRequest { ActionType = "mcp_tool_call", Server = "personal-drive-mcp", Tool = "read_file", Capability = "filesystem" });
        Assert.Equal("mcp.registry.blocked", r.RuleId);
    }

    [Fact]
    public void Canonical_json_has_upstream_key_order_with_renames()
    {
        File.Delete(_set.RollbackPlanPath);
        var r = Pilot(BackendMode.Promoted).Evaluate(Command("custom scan --check"));
        var doc = (JsonObject)StrictJsonParser.Parse(CanonicalJsonWriter.Serialize(r));
        Assert.Equal(new[] { "schema_version", "backend_mode", "selected_backend", "fallback_used", "fallback_reason", "parity_match",
            "dotnet_decision", "go_decision", "effective_decision", "readiness", "promotion_readiness", "rollback_readiness",
            "promotion_audit", "evaluation_id", "evaluated_at" }, doc.Members.Select(m => m.Key));
        var dotnet = (JsonObject)doc.Get("dotnet_decision")!;
        Assert.Equal(new[] { "decision_id", "session_id", "agent_id", "actor", "action_type", "target", "requested_operation", "policy_pack",
            "policy_id", "rule_id", "decision", "severity", "reason", "evidence_refs", "approver_group", "timestamp", "correlation_id" },
            dotnet.Members.Select(m => m.Key));
    }

    [Fact]
    public void Effective_decision_is_the_go_dict_verbatim_when_selected()
    {
        var r = Pilot(BackendMode.Enforce).Evaluate(Command("custom scan --check"));
        var doc = (JsonObject)StrictJsonParser.Parse(CanonicalJsonWriter.Serialize(r));
        var effective = (JsonObject)doc.Get("effective_decision")!;
        Assert.Equal(((JsonString)r.GoDecision!.Get("decision_id")!).Value, ((JsonString)effective.Get("decision_id")!).Value);
    }
}
