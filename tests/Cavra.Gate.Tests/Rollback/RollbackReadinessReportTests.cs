using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Readiness;
using static Cavra.Gate.Tests.Rollback.RollbackFixture;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Tests.Rollback;

public sealed class RollbackReadinessReportTests : IDisposable
{
    private readonly RollbackFixture _f = new();
    public void Dispose() => _f.Dispose();

    private static readonly string[] AllControlsMissing =
        { "dotnet-fallback-available", "evidence-capture-enabled", "operator-runbook-linked", "promoted-mode-disable-tested", "rollback-approval-recorded" };

    private RollbackReadinessReport Evaluate(GateParameters? p = null) => RollbackReadinessReport.Evaluate(_f.Context(p));

    private RollbackReadinessReport EvaluatePlan(Action<System.Text.Json.Nodes.JsonObject> change)
    {
        var doc = PlanDoc();
        change(doc);
        _f.Write(Plan, doc);
        return Evaluate();
    }

    [Fact]
    public void Valid_plan_is_ready_and_every_check_passes_with_its_extras()
    {
        var r = Evaluate();
        Assert.Equal(ReportStatus.Ready, r.Status);
        Assert.Equal("rollback", r.Section);
        Assert.Equal("cavra.go-backend-pilot.rollback-readiness.v1", r.SchemaVersion);
        Assert.Equal(new[] { "go_rollback_requested", "dotnet_fallback_available", "go_rollback_plan", "go_rollback_approval",
            "go_rollback_disable_path", "go_rollback_controls" }, r.Checks.Select(c => c.Id));
        AssertCheck(r, "go_rollback_requested", CheckStatus.Pass,
            "Rollback readiness is required when CAVRA_GO_BACKEND_MODE=promoted or a rollback plan is configured.", ("mode", "promoted"));
        AssertCheck(r, "dotnet_fallback_available", CheckStatus.Pass,
            "The built-in .NET backend can be restored at any time by setting CAVRA_GO_BACKEND_MODE=disabled.");
        AssertCheck(r, "go_rollback_plan", CheckStatus.Pass, RollbackPlan.Texts.Success,
            ("path", _f.PathOf(Plan)), ("rollback_schema", "cavra.go-backend-rollback-plan.v1"));
        AssertCheck(r, "go_rollback_approval", CheckStatus.Pass, "Rollback approval is recorded.", ("approval_id", "apr_go_backend_rollback"));
        AssertCheck(r, "go_rollback_disable_path", CheckStatus.Pass, RollbackPlan.Texts.TargetMode, ("target_mode", "disabled"));
        AssertCheck(r, "go_rollback_controls", CheckStatus.Pass, "Rollback controls are complete.", ("missing_controls", Array.Empty<string>()));

        var plan = r.Rollback;
        Assert.True(plan.Valid && plan.Approved && plan.ControlsValid);
        Assert.Equal(15.0, plan.MaxRecoveryMinutes);
        Assert.Equal(3, plan.RollbackSteps.Count);
        Assert.Equal(2, plan.EvidenceRefs.Count);
        Assert.Contains("\"max_recovery_minutes\":15}", Canonical(plan)); // an int stays an int
    }

    [Fact]
    public void Not_requested_when_not_promoted_and_no_plan_is_configured()
    {
        var r = Evaluate(new GateParameters { Mode = BackendMode.Shadow });
        Assert.Equal(ReportStatus.NotRequested, r.Status);
        AssertCheck(r, "go_rollback_requested", CheckStatus.Warn,
            "Rollback readiness is required when CAVRA_GO_BACKEND_MODE=promoted or a rollback plan is configured.", ("mode", "shadow"));
        AssertCheck(r, "go_rollback_plan", CheckStatus.Warn, "metadata path is not configured", ("path", ""), ("rollback_schema", ""));
        AssertCheck(r, "go_rollback_approval", CheckStatus.Warn, "rollback plan is missing or invalid", ("approval_id", ""));
        AssertCheck(r, "go_rollback_disable_path", CheckStatus.Warn, "rollback plan must set target_mode=disabled", ("target_mode", ""));
        AssertCheck(r, "go_rollback_controls", CheckStatus.Warn, "rollback plan controls are missing", ("missing_controls", AllControlsMissing));
    }

    [Fact]
    public void A_configured_plan_is_requested_in_any_mode_and_promoted_without_a_plan_needs_attention()
    {
        var shadow = Evaluate(new GateParameters { Mode = BackendMode.Disabled, RollbackPlanPath = _f.PathOf(Plan) });
        Assert.Equal(ReportStatus.Ready, shadow.Status);
        AssertCheck(shadow, "go_rollback_requested", CheckStatus.Pass,
            "Rollback readiness is required when CAVRA_GO_BACKEND_MODE=promoted or a rollback plan is configured.", ("mode", "disabled"));

        var promoted = Evaluate(new GateParameters { Mode = BackendMode.Promoted });
        Assert.Equal(ReportStatus.NeedsAttention, promoted.Status);
        Assert.Equal("metadata path is not configured", Check(promoted, "go_rollback_plan").Message);
    }

    [Fact]
    public void Plan_check_warns_with_the_joined_problems_in_spec_order()
    {
        var r = EvaluatePlan(d =>
        {
            d["schema_version"] = "v0"; d["status"] = "draft"; d["rollback_steps"] = new System.Text.Json.Nodes.JsonArray();
            d["evidence_refs"] = "x"; d["max_recovery_minutes"] = 0;
        });
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_plan", CheckStatus.Warn,
            "rollback plan has an invalid schema_version; rollback plan must record status=ready; " +
            "rollback plan must include rollback_steps as a non-empty list of strings; rollback evidence_refs must be a list of strings; " +
            "rollback plan must include positive max_recovery_minutes",
            ("path", _f.PathOf(Plan)), ("rollback_schema", "v0"));
        Assert.Empty(r.Rollback.RollbackSteps);
        Assert.Empty(r.Rollback.EvidenceRefs);
        Assert.Null(r.Rollback.MaxRecoveryMinutes);
        // the other checks are independent of plan validity
        Assert.True(Check(r, "go_rollback_approval").Passed);
        Assert.True(Check(r, "go_rollback_controls").Passed);
    }

    [Fact]
    public void Approval_check_warns_when_not_approved_and_passes_on_a_nested_approval()
    {
        var r = EvaluatePlan(d => { d.Remove("approved"); d.Remove("approval_id"); });
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        Assert.True(r.Rollback.Valid); // approval is not part of validity
        AssertCheck(r, "go_rollback_approval", CheckStatus.Warn, "rollback plan must be approved", ("approval_id", ""));

        r = EvaluatePlan(d =>
        {
            d.Remove("approved"); d.Remove("approval_id");
            d["approval"] = Parse("""{"status": "approved", "approval_id": "apr_nested"}""");
        });
        Assert.Equal(ReportStatus.Ready, r.Status);
        AssertCheck(r, "go_rollback_approval", CheckStatus.Pass, "Rollback approval is recorded.", ("approval_id", "apr_nested"));

        // approved must be the JSON literal true
        r = EvaluatePlan(d => d["approved"] = false);
        Assert.False(r.Rollback.Approved);
        // the top-level approval_id wins over the nested one
        r = EvaluatePlan(d => d["approval"] = Parse("""{"approval_id": "apr_nested"}"""));
        Assert.Equal("apr_go_backend_rollback", r.Rollback.ApprovalId);
    }

    [Fact]
    public void Disable_path_check_warns_unless_target_mode_is_disabled()
    {
        var r = EvaluatePlan(d => d["target_mode"] = "shadow");
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_disable_path", CheckStatus.Warn, "rollback plan must set target_mode=disabled", ("target_mode", "shadow"));
        // upstream quirk kept: target_mode has its own message, so the plan is invalid while its message is the success sentence
        AssertCheck(r, "go_rollback_plan", CheckStatus.Warn, RollbackPlan.Texts.Success,
            ("path", _f.PathOf(Plan)), ("rollback_schema", "cavra.go-backend-rollback-plan.v1"));

        r = EvaluatePlan(d => d["target_mode"] = "Disabled");
        Assert.False(Check(r, "go_rollback_disable_path").Passed);
    }

    [Fact]
    public void Controls_check_lists_missing_controls_sorted_and_uses_the_dotnet_name()
    {
        var r = EvaluatePlan(d => d["controls"] = Parse("""{"c": ["rollback-approval-recorded", "operator-runbook-linked"]}""")["c"]!.DeepClone());
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_controls", CheckStatus.Warn,
            "rollback plan is missing controls: dotnet-fallback-available, evidence-capture-enabled, promoted-mode-disable-tested",
            ("missing_controls", new[] { "dotnet-fallback-available", "evidence-capture-enabled", "promoted-mode-disable-tested" }));
        Assert.False(r.Rollback.Valid);
        Assert.Equal(RollbackPlan.Texts.Success, r.Rollback.Message); // controls have their own message (upstream)
    }

    [Theory]
    [InlineData("python-fallback-available")]
    [InlineData("dotnet-fallback-available")]
    public void Either_fallback_control_name_satisfies_the_fallback_control(string name)
    {
        var r = EvaluatePlan(d => d["controls"]![0] = name);
        Assert.Equal(ReportStatus.Ready, r.Status);
        Assert.Empty(r.Rollback.MissingControls);
    }

    [Fact]
    public void Without_either_fallback_control_the_missing_id_is_the_dotnet_one()
    {
        var r = EvaluatePlan(d => d["controls"]![0] = "fallback-available");
        AssertCheck(r, "go_rollback_controls", CheckStatus.Warn, "rollback plan is missing controls: dotnet-fallback-available",
            ("missing_controls", new[] { "dotnet-fallback-available" }));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("5")]
    [InlineData("\"python-fallback-available\"")]
    [InlineData("{\"python-fallback-available\": true, \"promoted-mode-disable-tested\": true, \"rollback-approval-recorded\": true, \"operator-runbook-linked\": true, \"evidence-capture-enabled\": true}")]
    [InlineData("[\"python-fallback-available\", \"promoted-mode-disable-tested\", \"rollback-approval-recorded\", \"operator-runbook-linked\", \"evidence-capture-enabled\", 7]")]
    public void Controls_that_are_not_a_list_of_strings_are_invalid_not_a_crash(string controls)
    {
        var r = EvaluatePlan(d => Mutate(d, "controls", controls));
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_controls", CheckStatus.Warn, "rollback plan controls must be a list of strings",
            ("missing_controls", r.Rollback.MissingControls));
        AssertCheck(r, "go_rollback_plan", CheckStatus.Warn, "rollback plan controls must be a list of strings",
            ("path", _f.PathOf(Plan)), ("rollback_schema", "cavra.go-backend-rollback-plan.v1"));
        Assert.False(r.Rollback.ControlsValid);
    }

    [Fact]
    public void Max_recovery_minutes_keeps_int_and_float_apart()
    {
        _f.Write(Plan, PlanDoc().ToJsonString().Replace("\"max_recovery_minutes\":15", "\"max_recovery_minutes\":15.0"));
        var plan = RollbackPlan.Read(new Cavra.Gate.FileSystem.InputFiles(_f.Dir), Plan);
        Assert.Equal(15.0, plan.MaxRecoveryMinutes);
        Assert.Contains("\"max_recovery_minutes\":15.0}", Canonical(plan));
        Assert.Contains("\"max_recovery_minutes\":null}", Canonical(RollbackPlan.Read(new Cavra.Gate.FileSystem.InputFiles(_f.Dir), "")));
    }

    [Fact]
    public void Report_and_summary_keys_are_in_spec_order_for_valid_and_invalid_plans()
    {
        string[] reportKeys = { "schema_version", "mode", "status", "rollback_plan_path", "checks", "rollback", "operator_notes" };
        string[] summaryKeys = { "valid", "approved", "controls_valid", "schema_version", "approval_id", "target_mode", "message",
            "approval_message", "target_mode_message", "controls_message", "missing_controls", "evidence_refs", "rollback_steps", "max_recovery_minutes" };
        var valid = Evaluate();
        Assert.Equal(reportKeys, Keys(valid));
        Assert.Equal(summaryKeys, Keys(valid.Rollback));
        Assert.Equal(3, valid.OperatorNotes.Count);

        File.Delete(_f.PathOf(Plan));
        var invalid = Evaluate();
        Assert.Equal(reportKeys, Keys(invalid));
        Assert.Equal(summaryKeys, Keys(invalid.Rollback));
        Assert.Equal(
            "{\"valid\":false,\"approved\":false,\"controls_valid\":false,\"schema_version\":\"\",\"approval_id\":\"\",\"target_mode\":\"\"," +
            "\"message\":\"metadata file is missing\",\"approval_message\":\"rollback plan is missing or invalid\"," +
            "\"target_mode_message\":\"rollback plan must set target_mode=disabled\",\"controls_message\":\"rollback plan controls are missing\"," +
            "\"missing_controls\":[\"dotnet-fallback-available\",\"evidence-capture-enabled\",\"operator-runbook-linked\",\"promoted-mode-disable-tested\",\"rollback-approval-recorded\"]," +
            "\"evidence_refs\":[],\"rollback_steps\":[],\"max_recovery_minutes\":null}",
            Canonical(invalid.Rollback));

        var json = JsonOf(valid);
        Assert.Equal("promoted", json.GetProperty("mode").GetString());
        Assert.Equal("ready", json.GetProperty("status").GetString());
        Assert.Equal(_f.PathOf(Plan), json.GetProperty("rollback_plan_path").GetString());
        Assert.DoesNotContain("python_fallback_available", valid.ToJson());
        Assert.DoesNotContain("Python", valid.ToJson());
    }

    [Fact]
    public void From_document_validates_an_in_memory_plan()
    {
        var doc = Cavra.Gate.Json.StrictJsonParser.Parse(PlanDoc().ToJsonString());
        var plan = RollbackPlan.FromDocument(Cavra.Gate.Json.JsonFileCheck.Ok((Cavra.Gate.Json.JsonObject)doc, "memory"));
        Assert.True(plan.Valid);
        var invalid = RollbackPlan.FromDocument(Cavra.Gate.Json.JsonFileCheck.Invalid("metadata JSON must be an object", null));
        Assert.False(invalid.Valid);
        Assert.Equal("metadata JSON must be an object", invalid.Message);
    }
}
