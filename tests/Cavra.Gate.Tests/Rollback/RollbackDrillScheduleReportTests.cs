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

public sealed class RollbackDrillScheduleReportTests : IDisposable
{
    private readonly RollbackFixture _f = new();
    public void Dispose() => _f.Dispose();

    private const string RequestedMessage =
        "Recurring rollback drill scheduling is required when CAVRA_GO_BACKEND_MODE=promoted or a drill schedule is configured.";
    private const string Schema = "cavra.go-backend-rollback-drill-schedule.v1";
    private static readonly string[] Providers = { "slack", "teams" };
    private static readonly string[] Owners = { "release-governance" };

    private RollbackDrillScheduleReport Evaluate(GateParameters? p = null) => RollbackDrillScheduleReport.Evaluate(_f.Context(p));

    private RollbackDrillScheduleReport EvaluateSchedule(Action<JObject> change)
    {
        var doc = ScheduleDoc();
        change(doc);
        _f.Write(Schedule, doc);
        return Evaluate();
    }

    private RollbackDrillSchedule Summary(JObject doc, double dueSoonDays = 14.0, RollbackDrillHistory? history = null)
    {
        _f.Write(Schedule, doc);
        var files = new InputFiles(_f.Dir);
        history ??= RollbackDrillHistory.Read(files, Drills, 90.0, _f.Clock);
        return RollbackDrillSchedule.Read(files, Schedule, history, dueSoonDays, _f.Clock);
    }

    [Fact]
    public void Valid_schedule_is_ready_and_every_check_passes_with_its_extras()
    {
        var r = Evaluate();
        Assert.Equal(ReportStatus.Ready, r.Status);
        Assert.Equal("rollback_drill_schedule", r.Section);
        Assert.Equal("cavra.go-backend-pilot.rollback-drill-schedule.v1", r.SchemaVersion);
        Assert.Equal(new[] { "go_rollback_drill_schedule_requested", "go_rollback_drill_schedule_file", "go_rollback_drill_schedule_active",
            "go_rollback_drill_schedule_cadence", "go_rollback_drill_schedule_next_due", "go_rollback_drill_schedule_not_stale",
            "go_rollback_drill_notification_routes" }, r.Checks.Select(c => c.Id));
        AssertCheck(r, "go_rollback_drill_schedule_requested", CheckStatus.Pass, RequestedMessage, ("mode", "promoted"));
        AssertCheck(r, "go_rollback_drill_schedule_file", CheckStatus.Pass, RollbackDrillSchedule.Texts.Success,
            ("path", _f.PathOf(Schedule)), ("schedule_schema", Schema));
        AssertCheck(r, "go_rollback_drill_schedule_active", CheckStatus.Pass, "Rollback drill schedule is active.");
        AssertCheck(r, "go_rollback_drill_schedule_cadence", CheckStatus.Pass, "Rollback drill cadence is configured.", ("interval_days", 30L));
        AssertCheck(r, "go_rollback_drill_schedule_next_due", CheckStatus.Pass, RollbackDrillSchedule.Texts.NextDue,
            ("next_due_at", "2026-12-26T12:00:00+00:00"), ("days_until_due", 30.0));
        AssertCheck(r, "go_rollback_drill_schedule_not_stale", CheckStatus.Pass, "Rollback drill schedule is not stale.", ("stale", false));
        AssertCheck(r, "go_rollback_drill_notification_routes", CheckStatus.Pass, RollbackDrillSchedule.Texts.Notification,
            ("notification_providers", Providers), ("owners", Owners));

        var s = r.Schedule;
        Assert.Equal("go_backend_python_fallback_monthly", s.ScheduleId);
        Assert.Equal("production-pilot", s.Environment);
        Assert.Equal(30.0, s.IntervalDays);
        Assert.Equal(Now.AddDays(30), s.NextDue);
        Assert.False(s.DueSoon);
        Assert.True(r.History.Valid);
        Assert.Equal(14.0, r.RollbackDrillDueSoonDays);
    }

    [Fact]
    public void Not_requested_without_promoted_mode_or_a_schedule_path_even_with_a_history()
    {
        var r = Evaluate(new GateParameters { Mode = BackendMode.Shadow, RollbackDrillHistoryPath = _f.PathOf(Drills) });
        Assert.Equal(ReportStatus.NotRequested, r.Status);
        AssertCheck(r, "go_rollback_drill_schedule_requested", CheckStatus.Warn, RequestedMessage, ("mode", "shadow"));
        AssertCheck(r, "go_rollback_drill_schedule_file", CheckStatus.Warn, "metadata path is not configured", ("path", ""), ("schedule_schema", ""));
        AssertCheck(r, "go_rollback_drill_schedule_active", CheckStatus.Warn, "rollback drill schedule is missing or inactive");
        AssertCheck(r, "go_rollback_drill_schedule_cadence", CheckStatus.Warn, "rollback drill schedule must include positive interval_days", ("interval_days", null));
        AssertCheck(r, "go_rollback_drill_schedule_next_due", CheckStatus.Warn,
            "rollback drill schedule must include next_due_at or usable latest drill history", ("next_due_at", ""), ("days_until_due", null));
        AssertCheck(r, "go_rollback_drill_schedule_not_stale", CheckStatus.Warn, "rollback drill schedule is stale and requires notification", ("stale", true));
        AssertCheck(r, "go_rollback_drill_notification_routes", CheckStatus.Warn, "rollback drill schedule must include owners and notification_providers",
            ("notification_providers", Array.Empty<string>()), ("owners", Array.Empty<string>()));
        Assert.True(r.History.Valid); // the history is still evaluated and reported

        var configured = Evaluate(new GateParameters { Mode = BackendMode.Disabled, RollbackDrillSchedulePath = _f.PathOf(Schedule) });
        Assert.Equal(ReportStatus.Ready, configured.Status);
    }

    [Fact]
    public void Due_soon_when_valid_not_stale_and_within_the_due_soon_window()
    {
        var r = EvaluateSchedule(d => d["next_due_at"] = Iso(Now.AddDays(3)));
        Assert.Equal(ReportStatus.DueSoon, r.Status);
        Assert.All(r.Checks, c => Assert.True(c.Passed));
        Assert.True(r.Schedule.DueSoon);
        Assert.Equal(3.0, r.Schedule.DaysUntilDue);
    }

    [Theory]
    [InlineData(14 * 86400.0, true)]            // exactly at the window: due soon
    [InlineData(14 * 86400.0 + 4, true)]        // 14.0000463 rounds to 14.0
    [InlineData(14 * 86400.0 + 8.64, false)]    // 14.0001
    [InlineData(0.0, true)]
    public void Due_soon_boundary_uses_the_rounded_days(double secondsAhead, bool dueSoon)
    {
        var s = Summary(ScheduleDoc(Iso(Now.AddSeconds(secondsAhead))));
        Assert.Equal(dueSoon, s.DueSoon);
        Assert.False(s.Stale);
        Assert.True(s.Valid);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-3.0)]
    [InlineData(double.NaN)]
    public void A_non_positive_due_soon_window_is_never_due_soon(double dueSoonDays)
    {
        var s = Summary(ScheduleDoc(Iso(Now.AddDays(1))), dueSoonDays);
        Assert.False(s.DueSoon);
        Assert.True(s.Valid);
        var r = Evaluate(new GateParameters { Mode = BackendMode.Promoted, RollbackDrillSchedulePath = _f.PathOf(Schedule),
            RollbackDrillHistoryPath = _f.PathOf(Drills), RollbackDrillDueSoonDays = dueSoonDays });
        Assert.Equal(ReportStatus.Ready, r.Status);
    }

    [Fact]
    public void Stale_schedule_needs_attention_and_not_stale_check_warns()
    {
        var r = EvaluateSchedule(d => d["next_due_at"] = Iso(Now.AddDays(-1)));
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_drill_schedule_not_stale", CheckStatus.Warn, "rollback drill schedule is stale and requires notification", ("stale", true));
        AssertCheck(r, "go_rollback_drill_schedule_next_due", CheckStatus.Pass, RollbackDrillSchedule.Texts.NextDue,
            ("next_due_at", Iso(Now.AddDays(-1))), ("days_until_due", -1.0));
        Assert.False(r.Schedule.Valid);
        Assert.False(r.Schedule.DueSoon);
        Assert.Equal(RollbackDrillSchedule.Texts.Success, r.Schedule.Message); // staleness has its own message (upstream)
    }

    [Fact]
    public void The_first_seconds_after_the_due_instant_round_to_minus_zero_and_are_not_stale()
    {
        var s = Summary(ScheduleDoc(Iso(Now.AddSeconds(-4))));
        Assert.False(s.Stale);
        Assert.True(s.DueSoon);
        Assert.Equal(0.0, s.DaysUntilDue);
        Assert.True(double.IsNegative(s.DaysUntilDue!.Value));
        Assert.Contains("\"days_until_due\":-0.0,", Canonical(s));

        s = Summary(ScheduleDoc(Iso(Now.AddSeconds(-5))));
        Assert.True(s.Stale);
        Assert.Equal(-0.0001, s.DaysUntilDue);
    }

    [Fact]
    public void Next_due_is_computed_from_the_latest_drill_and_the_interval_when_not_given()
    {
        _f.Write(Drills, DrillsDoc(Drill("d", "2026-11-25T12:00:00.123456+00:00")));
        var r = EvaluateSchedule(d => d.Remove("next_due_at"));
        Assert.Equal(ReportStatus.Ready, r.Status);
        Assert.Equal("2026-12-25T12:00:00.123456+00:00", r.Schedule.NextDueAt);
        Assert.Equal(29.0, r.Schedule.DaysUntilDue);

        // an empty next_due_at is the same as none; fractional intervals are allowed
        var s = Summary(Mutate(Mutate(ScheduleDoc(""), "interval_days", "1.5"), "owners", "[\"ops\"]"));
        Assert.Equal("2026-11-27T00:00:00.123456+00:00", s.NextDueAt);
        Assert.True(s.Valid);
        Assert.True(s.DueSoon);
        Assert.Contains("\"interval_days\":1.5,", Canonical(s));
    }

    [Fact]
    public void Explicit_next_due_at_takes_precedence_over_the_history()
    {
        var s = Summary(ScheduleDoc("2027-01-10T00:00:00+01:00"));
        Assert.Equal("2027-01-09T23:00:00+00:00", s.NextDueAt); // normalised to UTC
        Assert.Equal(44.4583, s.DaysUntilDue);
    }

    [Fact]
    public void Computed_next_due_uses_the_history_even_when_that_history_is_invalid()
    {
        var failed = Drill("failed", Now.AddDays(-100));
        failed["status"] = "fail";
        _f.Write(Drills, DrillsDoc(failed));
        var r = EvaluateSchedule(d => { d.Remove("next_due_at"); d["interval_days"] = 120; });
        Assert.False(r.History.Valid);
        Assert.Equal(Iso(Now.AddDays(20)), r.Schedule.NextDueAt);
        Assert.Equal(ReportStatus.Ready, r.Status);

        // without a usable history there is no due date: stale, needs attention
        File.Delete(_f.PathOf(Drills));
        r = EvaluateSchedule(d => d.Remove("next_due_at"));
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_drill_schedule_next_due", CheckStatus.Warn,
            "rollback drill schedule must include next_due_at or usable latest drill history", ("next_due_at", ""), ("days_until_due", null));
        Assert.True(r.Schedule.Stale);
    }

    [Fact]
    public void An_unparseable_next_due_at_is_invalid_but_the_computed_date_is_still_shown()
    {
        var s = Summary(ScheduleDoc("next tuesday"));
        Assert.False(s.Valid);
        Assert.Equal("rollback drill schedule next_due_at must be an ISO 8601 timestamp", s.Message);
        Assert.Equal(Iso(Now.AddDays(29)), s.NextDueAt);
    }

    [Fact]
    public void Active_check_warns_unless_status_is_active()
    {
        var r = EvaluateSchedule(d => d["status"] = "paused");
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_drill_schedule_active", CheckStatus.Warn, "rollback drill schedule must set status=active");
        Assert.Equal("paused", r.Schedule.Status);
    }

    [Fact]
    public void Cadence_check_warns_without_a_positive_interval()
    {
        var r = EvaluateSchedule(d => d["interval_days"] = 0);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_drill_schedule_cadence", CheckStatus.Warn, "rollback drill schedule must include positive interval_days", ("interval_days", null));
        // the explicit due date still stands
        Assert.True(Check(r, "go_rollback_drill_schedule_next_due").Passed);
    }

    [Fact]
    public void Notification_check_warns_without_owners_or_providers()
    {
        var r = EvaluateSchedule(d => d["owners"] = new System.Text.Json.Nodes.JsonArray());
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        AssertCheck(r, "go_rollback_drill_notification_routes", CheckStatus.Warn, "rollback drill schedule must include owners and notification_providers",
            ("notification_providers", Providers), ("owners", Array.Empty<string>()));
        AssertCheck(r, "go_rollback_drill_schedule_file", CheckStatus.Warn, "rollback drill schedule owners must be a non-empty list of strings",
            ("path", _f.PathOf(Schedule)), ("schedule_schema", Schema));

        r = EvaluateSchedule(d => d.Remove("notification_providers"));
        AssertCheck(r, "go_rollback_drill_notification_routes", CheckStatus.Warn, "rollback drill schedule must include owners and notification_providers",
            ("notification_providers", Array.Empty<string>()), ("owners", Owners));
    }

    [Fact]
    public void Owner_routes_maintenance_windows_and_calendars_are_echoed_when_valid()
    {
        var s = Summary(Mutate(Mutate(Mutate(ScheduleDoc(), "routing_rules", "{\"release-governance\": [\"slack\"]}"),
            "maintenance_windows", "[{\"day\": \"sat\"}]"), "owner_calendars", "{\"release-governance\": \"cal://x\"}"));
        Assert.True(s.Valid);
        var json = Canonical(s);
        Assert.Contains("\"owner_routes\":{\"release-governance\":[\"slack\"]},\"maintenance_windows\":[{\"day\":\"sat\"}],\"owner_calendars\":{\"release-governance\":\"cal://x\"},", json);

        // owner_routes wins when present, even as null, which is invalid
        s = Summary(Mutate(Mutate(ScheduleDoc(), "routing_rules", "[]"), "owner_routes", "null"));
        Assert.False(s.Valid);
        Assert.Equal("rollback drill owner_routes must be an object or list when configured", s.Message);
        Assert.Contains("\"owner_routes\":[],", Canonical(s));

        s = Summary(Mutate(Mutate(ScheduleDoc(), "maintenance_windows", "{}"), "owner_calendars", "[]"));
        Assert.Equal("rollback drill maintenance_windows must be a list when configured; rollback drill owner_calendars must be an object when configured", s.Message);
        Assert.Contains("\"maintenance_windows\":[],\"owner_calendars\":{},", Canonical(s));
    }

    [Fact]
    public void A_huge_interval_does_not_overflow()
    {
        var s = Summary(Mutate(ScheduleDoc(""), "interval_days", "1e300"));
        Assert.False(s.Valid);
        Assert.True(s.Stale);
        Assert.Equal("", s.NextDueAt);
        Assert.Equal("rollback drill schedule interval_days puts the next due date out of range", s.Message);
    }

    [Fact]
    public void Report_and_summary_keys_are_in_spec_order_for_valid_and_invalid_schedules()
    {
        string[] reportKeys = { "schema_version", "mode", "status", "rollback_drill_schedule_path", "rollback_drill_due_soon_days", "checks",
            "schedule", "history", "operator_notes" };
        string[] summaryKeys = { "valid", "schema_version", "schedule_id", "environment", "status", "active", "cadence_valid", "interval_days",
            "next_due_at", "days_until_due", "stale", "due_soon", "notification_routes_valid", "owners", "notification_providers", "owner_routes",
            "maintenance_windows", "owner_calendars", "runbook_ref", "message", "active_message", "cadence_message", "next_due_message",
            "stale_message", "notification_message" };
        var valid = Evaluate();
        Assert.Equal(reportKeys, Keys(valid));
        Assert.Equal(summaryKeys, Keys(valid.Schedule));
        Assert.Equal(3, valid.OperatorNotes.Count);
        Assert.Equal(14.0, JsonOf(valid).GetProperty("rollback_drill_due_soon_days").GetDouble());
        Assert.Contains("\"rollback_drill_due_soon_days\": 14.0,", valid.ToJson());
        Assert.DoesNotContain("Python", valid.ToJson());

        _f.Write(Schedule, "");
        var invalid = Evaluate();
        Assert.Equal(reportKeys, Keys(invalid));
        Assert.Equal(summaryKeys, Keys(invalid.Schedule));
        Assert.Equal(
            "{\"valid\":false,\"schema_version\":\"\",\"schedule_id\":\"\",\"environment\":\"\",\"status\":\"\",\"active\":false,\"cadence_valid\":false," +
            "\"interval_days\":null,\"next_due_at\":\"\",\"days_until_due\":null,\"stale\":true,\"due_soon\":false,\"notification_routes_valid\":false," +
            "\"owners\":[],\"notification_providers\":[],\"owner_routes\":[],\"maintenance_windows\":[],\"owner_calendars\":{},\"runbook_ref\":\"\"," +
            "\"message\":\"metadata JSON is invalid: file is empty\",\"active_message\":\"rollback drill schedule is missing or inactive\"," +
            "\"cadence_message\":\"rollback drill schedule must include positive interval_days\"," +
            "\"next_due_message\":\"rollback drill schedule must include next_due_at or usable latest drill history\"," +
            "\"stale_message\":\"rollback drill schedule is stale and requires notification\"," +
            "\"notification_message\":\"rollback drill schedule must include owners and notification_providers\"}",
            Canonical(invalid.Schedule));
        Assert.Equal(ReportStatus.NeedsAttention, invalid.Status);
    }

    [Fact]
    public void The_clock_is_the_only_now()
    {
        var files = new InputFiles(_f.Dir);
        var later = new FakeTimeProvider(Now.AddDays(31));
        var history = RollbackDrillHistory.Read(files, Drills, 90.0, later);
        var s = RollbackDrillSchedule.FromDocument(files.ReadObject(Schedule), history, 14.0, later);
        Assert.Equal(-1.0, s.DaysUntilDue);
        Assert.True(s.Stale);
    }
}
