using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.Time;
using static Cavra.Gate.Tests.Rollback.RollbackFixture;
using JObject = System.Text.Json.Nodes.JsonObject;
using Cavra.Gate.FileSystem;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Rollback;

public sealed class RollbackDrillHistoryReportTests : IDisposable
{
    private readonly RollbackFixture _f = new();
    public void Dispose() => _f.Dispose();

    private const string RequestedMessage =
        "Rollback drill history is required when CAVRA_GO_BACKEND_MODE=promoted or a drill history is configured.";
    private const string Schema = "cavra.go-backend-rollback-drill-history.v1";
    private static readonly string[] Refs = { "go-rollback-drill://ci/python-fallback-restored", "go-production-readiness://ci/post-drill-ready" };

    private RollbackDrillHistoryReport Evaluate(GateParameters? p = null) => RollbackDrillHistoryReport.Evaluate(_f.Context(p));

    private RollbackDrillHistoryReport EvaluateDrill(Action<JObject> change)
    {
        var drill = Drill("drill_1", Now.AddDays(-1));
        change(drill);
        _f.Write(Drills, DrillsDoc(drill));
        return Evaluate();
    }

    private RollbackDrillHistory History(params JObject[] drills) => HistoryDoc(DrillsDoc(drills));

    private RollbackDrillHistory HistoryDoc(JObject doc, double maxAgeDays = 90.0)
    {
        _f.Write(Drills, doc);
        return RollbackDrillHistory.Read(new InputFiles(_f.Dir), Drills, maxAgeDays, _f.Clock);
    }

    [Fact]
    public void Valid_history_is_ready_and_every_check_passes_with_its_extras()
    {
        var r = Evaluate();
        Assert.Equal(ReportStatus.Ready, r.Status);
        Assert.Equal("rollback_drill_history", r.Section);
        Assert.Equal("cavra.go-backend-pilot.rollback-drill-history.v1", r.SchemaVersion);
        Assert.Equal(new[] { "go_rollback_drill_history_requested", "go_rollback_drill_history_file", "go_rollback_drill_latest_passed",
            "go_rollback_drill_disabled_target", "go_rollback_drill_fallback_verified", "go_rollback_drill_recovery_sla", "go_rollback_drill_freshness" },
            r.Checks.Select(c => c.Id));
        AssertCheck(r, "go_rollback_drill_history_requested", CheckStatus.Pass, RequestedMessage, ("mode", "promoted"));
        AssertCheck(r, "go_rollback_drill_history_file", CheckStatus.Pass, RollbackDrillHistory.Texts.Success,
            ("path", _f.PathOf(Drills)), ("history_schema", Schema));
        AssertCheck(r, "go_rollback_drill_latest_passed", CheckStatus.Pass, "Latest rollback drill passed.",
            ("latest_drill_id", "drill_go_backend_python_fallback"));
        AssertCheck(r, "go_rollback_drill_disabled_target", CheckStatus.Pass, RollbackDrillHistory.Texts.TargetMode, ("target_mode", "disabled"));
        AssertCheck(r, "go_rollback_drill_fallback_verified", CheckStatus.Pass, RollbackDrillHistory.Texts.Fallback);
        AssertCheck(r, "go_rollback_drill_recovery_sla", CheckStatus.Pass, "Latest rollback drill met the recovery target.",
            ("recovery_minutes", 7L), ("max_recovery_minutes", 15L));
        AssertCheck(r, "go_rollback_drill_freshness", CheckStatus.Pass, RollbackDrillHistory.Texts.Fresh, ("max_age_days", 90.0), ("age_days", 1.0));

        var h = r.History;
        Assert.Equal("production-pilot", h.Environment);
        Assert.Equal(1, h.DrillCount);
        Assert.Equal(Iso(Now.AddDays(-1)), h.LatestExecutedAt);
        Assert.Equal(1.0, h.AgeDays);
        Assert.Equal("docs/go-backend-rollback-drill-history.md", h.RunbookRef);
        Assert.Equal(Refs, h.EvidenceRefs);
        Assert.Contains("\"age_days\":1.0,", Canonical(h));
        Assert.Contains("\"rollback_drill_max_age_days\":90.0,", r.ToJson().Replace("\n", "").Replace(" ", ""));
    }

    [Fact]
    public void Not_requested_without_promoted_mode_or_a_history_path()
    {
        var r = Evaluate(new GateParameters { Mode = BackendMode.Shadow });
        Assert.Equal(ReportStatus.NotRequested, r.Status);
        AssertCheck(r, "go_rollback_drill_history_requested", CheckStatus.Warn, RequestedMessage, ("mode", "shadow"));
        AssertCheck(r, "go_rollback_drill_history_file", CheckStatus.Warn, "metadata path is not configured", ("path", ""), ("history_schema", ""));
        AssertCheck(r, "go_rollback_drill_latest_passed", CheckStatus.Warn, "rollback drill history is missing or invalid", ("latest_drill_id", ""));
        AssertCheck(r, "go_rollback_drill_disabled_target", CheckStatus.Warn, "latest rollback drill must set target_mode=disabled", ("target_mode", ""));
        AssertCheck(r, "go_rollback_drill_fallback_verified", CheckStatus.Warn, "latest rollback drill must verify built-in .NET backend fallback restoration");
        AssertCheck(r, "go_rollback_drill_recovery_sla", CheckStatus.Warn,
            "latest rollback drill recovery_minutes must be positive and less than or equal to max_recovery_minutes",
            ("recovery_minutes", null), ("max_recovery_minutes", null));
        AssertCheck(r, "go_rollback_drill_freshness", CheckStatus.Warn, "latest rollback drill is missing, invalid, or stale",
            ("max_age_days", 90.0), ("age_days", null));

        var configured = Evaluate(new GateParameters { Mode = BackendMode.Disabled, RollbackDrillHistoryPath = _f.PathOf(Drills) });
        Assert.Equal(ReportStatus.Ready, configured.Status);
    }

    [Fact]
    public void Latest_passed_check_warns_on_a_failed_drill_while_the_file_message_reads_as_success()
    {
        var r = EvaluateDrill(d => d["status"] = "fail");
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_drill_latest_passed", CheckStatus.Warn, "latest rollback drill must record status=pass", ("latest_drill_id", "drill_1"));
        AssertCheck(r, "go_rollback_drill_history_file", CheckStatus.Warn, RollbackDrillHistory.Texts.Success,
            ("path", _f.PathOf(Drills)), ("history_schema", Schema));
    }

    [Fact]
    public void Disabled_target_check_warns_for_another_target_mode()
    {
        var r = EvaluateDrill(d => d["target_mode"] = "shadow");
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_drill_disabled_target", CheckStatus.Warn, "latest rollback drill must set target_mode=disabled", ("target_mode", "shadow"));
    }

    [Fact]
    public void Fallback_check_warns_unless_literally_true()
    {
        var r = EvaluateDrill(d => d["fallback_verified"] = false);
        AssertCheck(r, "go_rollback_drill_fallback_verified", CheckStatus.Warn, "latest rollback drill must verify built-in .NET backend fallback restoration");
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
    }

    [Fact]
    public void Recovery_check_uses_the_drills_own_limit()
    {
        var r = EvaluateDrill(d => d["recovery_minutes"] = 16);
        AssertCheck(r, "go_rollback_drill_recovery_sla", CheckStatus.Warn,
            "latest rollback drill recovery_minutes must be positive and less than or equal to max_recovery_minutes",
            ("recovery_minutes", 16L), ("max_recovery_minutes", 15L));
        r = EvaluateDrill(d => { d["recovery_minutes"] = 16; Mutate(d, "max_recovery_minutes", "20.0"); });
        AssertCheck(r, "go_rollback_drill_recovery_sla", CheckStatus.Pass, "Latest rollback drill met the recovery target.",
            ("recovery_minutes", 16L), ("max_recovery_minutes", 20.0));
        r = EvaluateDrill(d => d.Remove("max_recovery_minutes"));
        AssertCheck(r, "go_rollback_drill_recovery_sla", CheckStatus.Warn,
            "latest rollback drill recovery_minutes must be positive and less than or equal to max_recovery_minutes",
            ("recovery_minutes", 7L), ("max_recovery_minutes", null));
    }

    [Fact]
    public void Freshness_check_warns_for_a_stale_drill()
    {
        var r = EvaluateDrill(d => d["executed_at"] = Iso(Now.AddDays(-91)));
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_drill_freshness", CheckStatus.Warn, "latest rollback drill is missing, invalid, or stale",
            ("max_age_days", 90.0), ("age_days", 91.0));
        Assert.Equal(RollbackDrillHistory.Texts.Success, r.History.Message); // upstream: staleness has its own message
        Assert.False(r.History.Valid);
    }

    [Theory]
    [InlineData(90 * 86400.0, true, 90.0)]               // exactly at the limit
    [InlineData(90 * 86400.0 + 3, true, 90.0)]           // 90.0000347 rounds to 90.0: still fresh
    [InlineData(90 * 86400.0 + 8.64, false, 90.0001)]    // 90.0001
    [InlineData(90 * 86400.0 + 4.32, false, 90.0001)]  // 90.00005: Python's round() gives 90.0001 (the double is above the midpoint)
    [InlineData(90 * 86400.0 + 21.6, false, 90.0002)]  // 90.00025: 90.0002
    [InlineData(3600.0, true, 0.0417)]
    [InlineData(1.0, true, 0.0)]
    public void Freshness_compares_the_age_rounded_to_four_places(double secondsAgo, bool fresh, double ageDays)
    {
        var h = History(Drill("d", Now.AddSeconds(-secondsAgo)));
        Assert.Equal(fresh, h.Fresh);
        Assert.Equal(ageDays, h.AgeDays);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void A_non_positive_max_age_makes_every_history_stale(double maxAge)
    {
        var h = HistoryDoc(DrillsDoc(), maxAge);
        Assert.False(h.Fresh);
        Assert.Null(h.AgeDays);
        Assert.False(h.Valid);
        var inf = HistoryDoc(DrillsDoc(Drill("old", Now.AddYears(-50))), double.PositiveInfinity);
        Assert.True(inf.Fresh);
    }

    [Fact]
    public void Max_age_comes_from_the_configuration()
    {
        var r = Evaluate(new GateParameters { Mode = BackendMode.Promoted, RollbackDrillHistoryPath = _f.PathOf(Drills), RollbackDrillMaxAgeDays = 0.5 });
        AssertCheck(r, "go_rollback_drill_freshness", CheckStatus.Warn, "latest rollback drill is missing, invalid, or stale",
            ("max_age_days", 0.5), ("age_days", 1.0));
        Assert.Equal(0.5, r.RollbackDrillMaxAgeDays);
    }

    [Fact]
    public void A_drill_more_than_five_minutes_in_the_future_is_invalid()
    {
        var h = History(Drill("future", Now.AddMinutes(10)));
        Assert.False(h.Valid);
        Assert.False(h.Fresh);
        Assert.Equal("latest rollback drill executed_at is in the future", h.Message);
        Assert.Equal(-0.0069, h.AgeDays);
        Assert.Equal(RollbackDrillHistory.Texts.Stale, h.FreshnessMessage);

        var skew = History(Drill("skew", Now.AddMinutes(4)));
        Assert.True(skew.Valid);
        Assert.True(skew.Fresh);
        Assert.Equal(-0.0028, skew.AgeDays);

        var edge = History(Drill("edge", Now.AddMinutes(5)));
        Assert.True(edge.Valid);

        _f.Clock.Advance(TimeSpan.FromMinutes(6)); // the same file becomes valid as time passes
        Assert.True(History(Drill("future", Now.AddMinutes(10))).Valid);
    }

    [Fact]
    public void Latest_drill_is_the_greatest_parsed_instant_not_list_order()
    {
        var h = History(Drill("newest", Now.AddDays(-1)), Drill("older", Now.AddDays(-10)), Drill("oldest", Now.AddDays(-20)));
        Assert.Equal("newest", h.LatestDrillId);
        Assert.Equal(3, h.DrillCount);

        var failedNewest = Drill("failed", Now.AddHours(-1));
        failedNewest["status"] = "fail";
        h = History(Drill("passed", Now.AddDays(-2)), failedNewest);
        Assert.Equal("failed", h.LatestDrillId);
        Assert.False(h.Valid);

        // offsets are compared as UTC instants: 13:00+02:00 is 11:00Z, earlier than 12:00Z
        h = History(Drill("utc", "2026-11-25T12:00:00Z"), Drill("plus2", "2026-11-25T13:00:00+02:00"));
        Assert.Equal("utc", h.LatestDrillId);
        Assert.Equal("2026-11-25T12:00:00Z", h.LatestExecutedAt); // written as it was
    }

    [Fact]
    public void Latest_drill_tie_goes_to_the_first_and_unparseable_times_are_skipped()
    {
        var h = History(Drill("first", "2026-11-25T12:00:00+00:00"), Drill("second", "2026-11-25T14:00:00+02:00"));
        Assert.Equal("first", h.LatestDrillId);

        h = History(Drill("bad", "yesterday"), Drill("good", Now.AddDays(-3)), Drill("also-bad", "2026-11-25T12:00:00z"));
        Assert.Equal("good", h.LatestDrillId);
        Assert.True(h.Valid);
    }

    [Fact]
    public void Latest_drill_is_the_last_element_when_no_executed_at_parses()
    {
        var h = History(Drill("a", "soon"), Drill("b", ""), Drill("c", "None"));
        Assert.Equal("c", h.LatestDrillId);
        Assert.Equal("None", h.LatestExecutedAt);
        Assert.Null(h.AgeDays);
        Assert.False(h.Fresh);
        Assert.Equal("latest rollback drill must include valid executed_at timestamp", h.Message);
        Assert.Equal(3, h.DrillCount);
    }

    [Fact]
    public void Only_the_latest_drill_is_judged()
    {
        var broken = Drill("broken", Now.AddDays(-5));
        broken["status"] = "fail";
        broken["fallback_verified"] = false;
        broken["target_mode"] = "shadow";
        var h = History(Drill("good", Now.AddDays(-1)), broken);
        Assert.True(h.Valid);
        Assert.Equal(2, h.DrillCount);
    }

    [Fact]
    public void Drill_count_counts_object_drills_and_other_elements_make_the_history_invalid()
    {
        _f.Write(Drills, DrillsDoc(Drill("a", Now.AddDays(-1)), System.Text.Json.Nodes.JsonValue.Create("x"), Drill("b", Now.AddDays(-2))));
        var h = RollbackDrillHistory.Read(new InputFiles(_f.Dir), Drills, 90.0, _f.Clock);
        Assert.Equal(2, h.DrillCount);
        Assert.Equal("a", h.LatestDrillId);
        Assert.False(h.Valid);
        Assert.Equal("rollback drill history drills[1] must be an object", h.Message);
    }

    [Fact]
    public void Schema_and_drills_problems_give_the_empty_summary_with_joined_messages()
    {
        var doc = DrillsDoc();
        doc["schema_version"] = "v2";
        doc["drills"] = new System.Text.Json.Nodes.JsonArray();
        var h = HistoryDoc(doc);
        Assert.Equal("rollback drill history has an invalid schema_version; rollback drill history must include a non-empty drills list", h.Message);
        Assert.Equal("", h.SchemaVersion);
        Assert.Equal(0, h.DrillCount);

        h = HistoryDoc(Mutate(DrillsDoc(), "drills", "[1, \"two\", null]"));
        Assert.Equal("rollback drill history has no parseable drills", h.Message);
        Assert.Equal("", h.LatestDrillId);
    }

    [Fact]
    public void Report_and_summary_keys_are_in_spec_order_for_valid_and_invalid_histories()
    {
        string[] reportKeys = { "schema_version", "mode", "status", "rollback_drill_history_path", "rollback_drill_max_age_days", "checks", "history", "operator_notes" };
        string[] summaryKeys = { "valid", "schema_version", "environment", "drill_count", "latest_drill_id", "latest_status", "latest_target_mode",
            "latest_executed_at", "age_days", "fresh", "fallback_verified", "recovery_sla_met", "recovery_minutes", "max_recovery_minutes", "runbook_ref",
            "evidence_refs", "message", "latest_status_message", "target_mode_message", "fallback_message", "recovery_message", "freshness_message" };
        var valid = Evaluate();
        Assert.Equal(reportKeys, Keys(valid));
        Assert.Equal(summaryKeys, Keys(valid.History));
        Assert.Equal(3, valid.OperatorNotes.Count);
        Assert.DoesNotContain("Python", valid.ToJson());

        _f.Write(Drills, "{\"schema_version\": 1}");
        var invalid = Evaluate();
        Assert.Equal(reportKeys, Keys(invalid));
        Assert.Equal(summaryKeys, Keys(invalid.History));
        Assert.Equal(
            "{\"valid\":false,\"schema_version\":\"\",\"environment\":\"\",\"drill_count\":0,\"latest_drill_id\":\"\",\"latest_status\":\"\"," +
            "\"latest_target_mode\":\"\",\"latest_executed_at\":\"\",\"age_days\":null,\"fresh\":false,\"fallback_verified\":false," +
            "\"recovery_sla_met\":false,\"recovery_minutes\":null,\"max_recovery_minutes\":null,\"runbook_ref\":\"\",\"evidence_refs\":[]," +
            "\"message\":\"rollback drill history has an invalid schema_version; rollback drill history must include a non-empty drills list\"," +
            "\"latest_status_message\":\"rollback drill history is missing or invalid\"," +
            "\"target_mode_message\":\"latest rollback drill must set target_mode=disabled\"," +
            "\"fallback_message\":\"latest rollback drill must verify built-in .NET backend fallback restoration\"," +
            "\"recovery_message\":\"latest rollback drill recovery_minutes must be positive and less than or equal to max_recovery_minutes\"," +
            "\"freshness_message\":\"latest rollback drill is missing, invalid, or stale\"}",
            Canonical(invalid.History));
    }

    [Fact]
    public void The_clock_is_the_only_now()
    {
        var clock = new FakeTimeProvider(Now.AddDays(100));
        var h = RollbackDrillHistory.FromDocument(new InputFiles(_f.Dir).ReadObject(Drills), 90.0, clock);
        Assert.Equal(101.0, h.AgeDays);
        Assert.False(h.Fresh);
    }
}
