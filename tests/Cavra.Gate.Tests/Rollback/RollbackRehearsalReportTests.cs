using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Readiness;
using static Cavra.Gate.Tests.Rollback.RollbackFixture;
using JObject = System.Text.Json.Nodes.JsonObject;

namespace Cavra.Gate.Tests.Rollback;

public sealed class RollbackRehearsalReportTests : IDisposable
{
    private readonly RollbackFixture _f = new();
    public void Dispose() => _f.Dispose();

    private const string RequestedMessage =
        "Rollback rehearsal evidence is required when CAVRA_GO_BACKEND_MODE=promoted or rehearsal evidence is configured.";

    private static readonly string[] Refs = { "go-rollback-rehearsal://ci/fallback-restored", "go-production-readiness://ci/after-rehearsal" };

    private RollbackRehearsalReport Evaluate(GateParameters? p = null) => RollbackRehearsalReport.Evaluate(_f.Context(p));

    private RollbackRehearsalReport EvaluateWith(Action<JObject> change, Action<JObject>? changePlan = null)
    {
        var doc = RehearsalDoc();
        change(doc);
        _f.Write(Rehearsal, doc);
        if (changePlan != null)
        {
            var plan = PlanDoc();
            changePlan(plan);
            _f.Write(Plan, plan);
        }
        return Evaluate();
    }

    [Fact]
    public void Valid_rehearsal_is_ready_and_every_check_passes_with_its_extras()
    {
        var r = Evaluate();
        Assert.Equal(ReportStatus.Ready, r.Status);
        Assert.Equal("rollback_rehearsal", r.Section);
        Assert.Equal("cavra.go-backend-pilot.rollback-rehearsal.v1", r.SchemaVersion);
        Assert.Equal(new[] { "go_rollback_rehearsal_requested", "go_rollback_rehearsal_evidence", "go_rollback_rehearsal_simulated",
            "go_rollback_rehearsal_fallback_verified", "go_rollback_rehearsal_recovery_sla", "go_rollback_rehearsal_evidence_refs" }, r.Checks.Select(c => c.Id));
        AssertCheck(r, "go_rollback_rehearsal_requested", CheckStatus.Pass, RequestedMessage, ("mode", "promoted"));
        AssertCheck(r, "go_rollback_rehearsal_evidence", CheckStatus.Pass, RollbackRehearsal.Texts.Success,
            ("path", _f.PathOf(Rehearsal)), ("rehearsal_schema", "cavra.go-backend-rollback-rehearsal.v1"));
        AssertCheck(r, "go_rollback_rehearsal_simulated", CheckStatus.Pass, "Rollback rehearsal was simulated.");
        AssertCheck(r, "go_rollback_rehearsal_fallback_verified", CheckStatus.Pass, "Built-in .NET backend fallback restoration was verified.");
        AssertCheck(r, "go_rollback_rehearsal_recovery_sla", CheckStatus.Pass, "Recovery target was met.",
            ("recovery_minutes", 6L), ("max_recovery_minutes", 15L));
        AssertCheck(r, "go_rollback_rehearsal_evidence_refs", CheckStatus.Pass, "Rollback rehearsal evidence references are recorded.",
            ("evidence_refs", Refs));
        Assert.Equal("apr_go_backend_rollback", r.Rehearsal.PlanApprovalId);
        Assert.Equal("docs/go-backend-rollback-rehearsal.md", r.Rehearsal.RunbookRef);
        Assert.Equal(6.0, r.Rehearsal.RecoveryMinutes);
        Assert.Equal(15.0, r.Rehearsal.MaxRecoveryMinutes);
        Assert.True(r.Plan.Valid);
    }

    [Fact]
    public void Not_requested_without_promoted_mode_or_a_rehearsal_path()
    {
        var r = Evaluate(new GateParameters { Mode = BackendMode.Enforce, RollbackPlanPath = _f.PathOf(Plan) });
        Assert.Equal(ReportStatus.NotRequested, r.Status);
        AssertCheck(r, "go_rollback_rehearsal_requested", CheckStatus.Warn, RequestedMessage, ("mode", "enforce"));
        AssertCheck(r, "go_rollback_rehearsal_evidence", CheckStatus.Warn, "metadata path is not configured", ("path", ""), ("rehearsal_schema", ""));
        AssertCheck(r, "go_rollback_rehearsal_simulated", CheckStatus.Warn, "rollback rehearsal evidence is missing or invalid");
        AssertCheck(r, "go_rollback_rehearsal_fallback_verified", CheckStatus.Warn, "rollback rehearsal must verify built-in .NET backend fallback restoration");
        // the invalid shape carries the plan's limit as-is and its own recovery wording
        AssertCheck(r, "go_rollback_rehearsal_recovery_sla", CheckStatus.Warn, "rollback rehearsal must record recovery_minutes within max_recovery_minutes",
            ("recovery_minutes", null), ("max_recovery_minutes", 15L));
        AssertCheck(r, "go_rollback_rehearsal_evidence_refs", CheckStatus.Warn, "rollback rehearsal must include evidence_refs", ("evidence_refs", Array.Empty<string>()));

        var configured = Evaluate(new GateParameters { Mode = BackendMode.Shadow, RollbackRehearsalPath = _f.PathOf(Rehearsal) });
        Assert.Equal(ReportStatus.Ready, configured.Status); // no plan: any approval id matches, own max applies
    }

    [Fact]
    public void Evidence_check_warns_with_joined_problems_in_spec_order()
    {
        var r = EvaluateWith(d =>
        {
            d["schema_version"] = "x"; d["status"] = "fail"; d["runbook_ref"] = ""; d["evidence_refs"] = new System.Text.Json.Nodes.JsonArray();
            d["plan_approval_id"] = "apr_other";
        });
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_rehearsal_evidence", CheckStatus.Warn,
            "rollback rehearsal evidence has an invalid schema_version; rollback rehearsal evidence must record status=pass; " +
            "rollback rehearsal evidence must include runbook_ref; rollback rehearsal evidence_refs must be a non-empty list of strings; " +
            "rollback rehearsal plan_approval_id must match the rollback plan approval_id",
            ("path", _f.PathOf(Rehearsal)), ("rehearsal_schema", "x"));
        AssertCheck(r, "go_rollback_rehearsal_evidence_refs", CheckStatus.Warn, "rollback rehearsal must include evidence_refs", ("evidence_refs", Array.Empty<string>()));
    }

    [Fact]
    public void Simulated_and_fallback_checks_warn_unless_literally_true()
    {
        var r = EvaluateWith(d => { d["simulated"] = false; d["fallback_verified"] = false; });
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_rehearsal_simulated", CheckStatus.Warn, "rollback rehearsal must be marked simulated=true");
        AssertCheck(r, "go_rollback_rehearsal_fallback_verified", CheckStatus.Warn, "rollback rehearsal must verify built-in .NET backend fallback restoration");
        Assert.False(r.Rehearsal.Valid);
        Assert.Equal(RollbackRehearsal.Texts.Success, r.Rehearsal.Message); // upstream: these have their own messages

        r = EvaluateWith(d => { d["simulated"] = "true"; d["fallback_verified"] = 1; });
        Assert.False(r.Rehearsal.Simulated);
        Assert.False(r.Rehearsal.FallbackVerified);
        Assert.Equal("rollback rehearsal simulated must be true or false; rollback rehearsal fallback_verified must be true or false", r.Rehearsal.Message);
    }

    [Fact]
    public void Recovery_check_warns_when_over_the_limit_and_the_plan_limit_applies_without_an_own_one()
    {
        var r = EvaluateWith(d => d["recovery_minutes"] = 16);
        AssertCheck(r, "go_rollback_rehearsal_recovery_sla", CheckStatus.Warn,
            "rollback rehearsal recovery_minutes must be positive and less than or equal to max_recovery_minutes",
            ("recovery_minutes", 16L), ("max_recovery_minutes", 15L));
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);

        r = EvaluateWith(d => { d.Remove("max_recovery_minutes"); d["recovery_minutes"] = 15; });
        AssertCheck(r, "go_rollback_rehearsal_recovery_sla", CheckStatus.Pass, "Recovery target was met.",
            ("recovery_minutes", 15L), ("max_recovery_minutes", 15L));

        // a non-positive own limit falls back to the plan's, as upstream
        r = EvaluateWith(d => d["max_recovery_minutes"] = 0);
        Assert.Equal(15.0, r.Rehearsal.MaxRecoveryMinutes);
        Assert.True(r.Rehearsal.Valid);

        // a lower own limit is the one that applies
        r = EvaluateWith(d => { d["max_recovery_minutes"] = 5; d["recovery_minutes"] = 6; });
        AssertCheck(r, "go_rollback_rehearsal_recovery_sla", CheckStatus.Warn,
            "rollback rehearsal recovery_minutes must be positive and less than or equal to max_recovery_minutes",
            ("recovery_minutes", 6L), ("max_recovery_minutes", 5L));

        // no limit anywhere
        File.Delete(_f.PathOf(Plan));
        r = EvaluateWith(d => d.Remove("max_recovery_minutes"));
        AssertCheck(r, "go_rollback_rehearsal_recovery_sla", CheckStatus.Warn,
            "rollback rehearsal recovery_minutes must be positive and less than or equal to max_recovery_minutes",
            ("recovery_minutes", 6L), ("max_recovery_minutes", null));
    }

    [Fact]
    public void A_rehearsal_limit_above_the_plan_limit_is_invalid_and_the_plan_limit_applies()
    {
        var r = EvaluateWith(d => { d["max_recovery_minutes"] = 30; d["recovery_minutes"] = 10; });
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_rehearsal_evidence", CheckStatus.Warn,
            "rollback rehearsal max_recovery_minutes (30) must not exceed the rollback plan's max_recovery_minutes (15)",
            ("path", _f.PathOf(Rehearsal)), ("rehearsal_schema", "cavra.go-backend-rollback-rehearsal.v1"));
        AssertCheck(r, "go_rollback_rehearsal_recovery_sla", CheckStatus.Pass, "Recovery target was met.",
            ("recovery_minutes", 10L), ("max_recovery_minutes", 15L));

        r = EvaluateWith(d => { d["max_recovery_minutes"] = 30; d["recovery_minutes"] = 20; });
        Assert.False(r.Rehearsal.RecoverySlaMet);

        // equal is fine; a float limit is printed as Python prints it
        r = EvaluateWith(d => d["max_recovery_minutes"] = 15);
        Assert.Equal(ReportStatus.Ready, r.Status);
        _f.Write(Rehearsal, RehearsalDoc().ToJsonString().Replace("\"max_recovery_minutes\":15", "\"max_recovery_minutes\":15.5"));
        r = Evaluate();
        Assert.Equal("rollback rehearsal max_recovery_minutes (15.5) must not exceed the rollback plan's max_recovery_minutes (15)", r.Rehearsal.Message);
    }

    [Fact]
    public void Approval_link_is_exact_and_optional_when_the_plan_has_no_approval_id()
    {
        var r = EvaluateWith(d => d["plan_approval_id"] = "APR_GO_BACKEND_ROLLBACK");
        Assert.Contains("rollback rehearsal plan_approval_id must match the rollback plan approval_id", r.Rehearsal.Message);

        r = EvaluateWith(d => { d.Remove("plan_approval_id"); d["approval_id"] = "apr_go_backend_rollback"; });
        Assert.True(r.Rehearsal.Valid);
        Assert.Equal("apr_go_backend_rollback", r.Rehearsal.PlanApprovalId);

        r = EvaluateWith(d => d["plan_approval_id"] = "anything", p => p.Remove("approval_id"));
        Assert.True(r.Rehearsal.Valid);

        File.Delete(_f.PathOf(Plan));
        r = Evaluate();
        Assert.True(r.Rehearsal.Valid);
        Assert.Equal(15.0, r.Rehearsal.MaxRecoveryMinutes);
    }

    [Theory]
    [InlineData("null", "rollback rehearsal runbook_ref must be a string")] // upstream: str(None) == "None" passes
    [InlineData("7", "rollback rehearsal runbook_ref must be a string")]
    [InlineData("\"\"", "rollback rehearsal evidence must include runbook_ref")]
    public void Runbook_ref_must_be_a_non_empty_string(string raw, string message)
    {
        var r = EvaluateWith(d => Mutate(d, "runbook_ref", raw));
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        Assert.Equal(message, r.Rehearsal.Message);
        Assert.Equal("", r.Rehearsal.RunbookRef);
    }

    [Fact]
    public void Report_and_summary_keys_are_in_spec_order_for_valid_and_invalid_rehearsals()
    {
        string[] reportKeys = { "schema_version", "mode", "status", "rollback_rehearsal_path", "checks", "rehearsal", "operator_notes" };
        string[] summaryKeys = { "valid", "schema_version", "status", "plan_approval_id", "simulated", "fallback_verified", "recovery_sla_met",
            "recovery_minutes", "max_recovery_minutes", "evidence_refs", "runbook_ref", "message", "simulation_message", "fallback_message",
            "recovery_message", "evidence_message" };
        var valid = Evaluate();
        Assert.Equal(reportKeys, Keys(valid));
        Assert.Equal(summaryKeys, Keys(valid.Rehearsal));
        Assert.Equal(3, valid.OperatorNotes.Count);
        Assert.DoesNotContain("Python", valid.ToJson());

        _f.Write(Rehearsal, "[]");
        var invalid = Evaluate();
        Assert.Equal(reportKeys, Keys(invalid));
        Assert.Equal(summaryKeys, Keys(invalid.Rehearsal));
        Assert.Equal(
            "{\"valid\":false,\"schema_version\":\"\",\"status\":\"\",\"plan_approval_id\":\"\",\"simulated\":false,\"fallback_verified\":false," +
            "\"recovery_sla_met\":false,\"recovery_minutes\":null,\"max_recovery_minutes\":15,\"evidence_refs\":[],\"runbook_ref\":\"\"," +
            "\"message\":\"metadata JSON must be an object\",\"simulation_message\":\"rollback rehearsal evidence is missing or invalid\"," +
            "\"fallback_message\":\"rollback rehearsal must verify built-in .NET backend fallback restoration\"," +
            "\"recovery_message\":\"rollback rehearsal must record recovery_minutes within max_recovery_minutes\"," +
            "\"evidence_message\":\"rollback rehearsal must include evidence_refs\"}",
            Canonical(invalid.Rehearsal));
    }
}
