using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cavra.Gate.Notifications;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;
using static Cavra.Gate.Tests.Notifications.DeliveryFixture;

namespace Cavra.Gate.Tests.Notifications;

public sealed class PlanTests : IDisposable
{
    private const string ScheduleId = "go_backend_python_fallback_monthly";
    private readonly DeliveryFixture _f = new();
    public void Dispose() => _f.Dispose();

    private static string Hex16(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    private static string Key(string owner, string provider) =>
        "gordroute-" + Hex16($"{{\"owner\":\"{owner}\",\"provider\":\"{provider}\",\"schedule_id\":\"{ScheduleId}\"}}");
    private static string At(double days) => IsoTimestamp.Format(Now.AddDays(days));
    private static JsonObject Window(double startDays, double endDays) => new() { ["start_at"] = At(startDays), ["end_at"] = At(endDays) };

    private static JsonObject Doc(Action<JsonObject> change)
    {
        var doc = ScheduleDoc();
        change(doc);
        return doc;
    }

    private NotificationPlanException Refused(Action<JsonObject> change) => Assert.Throws<NotificationPlanException>(() => _f.Plan(Doc(change)));

    [Fact]
    public void One_route_per_owner_and_provider_with_keys_and_plan_id_over_the_listed_fields()
    {
        var plan = _f.Plan(ScheduleDoc());
        Assert.Equal("ready", plan.ScheduleStatus);
        Assert.Equal(new[] { ("release-governance", "slack"), ("release-governance", "teams") }, plan.Routes.Select(r => (r.Owner, r.Provider)));
        Assert.Equal(new[] { Key("release-governance", "slack"), Key("release-governance", "teams") }, plan.Routes.Select(r => r.RouteKey));
        Assert.All(plan.Routes, r => Assert.Equal(("deliver", "", 60, ""), (r.Action, r.SuppressedBy, r.AcknowledgementMinutes, r.EscalationOwner)));
        var keys = plan.Routes.Select(r => r.RouteKey).OrderBy(k => k, StringComparer.Ordinal);
        Assert.Equal("gordn-" + Hex16($"{{\"generated_at\":\"2026-11-26T12:00:00+00:00\",\"route_keys\":[\"{string.Join("\",\"", keys)}\"],"
            + $"\"schedule_id\":\"{ScheduleId}\",\"status\":\"ready\"}}"), plan.PlanId);
        Assert.Equal((2, 0), (plan.DeliverCount, plan.SuppressCount));
        Assert.Equal($"{plan.PlanId}: schedule {ScheduleId} ready, 2 to deliver, 0 suppressed", plan.ToString());
        Assert.Equal("release-governance via slack: deliver", plan.Routes[0].ToString());
        // The route key does not depend on the plan: the same pair has the same key later; the plan id moves with the time.
        _f.Clock.Advance(TimeSpan.FromMinutes(1));
        var later = _f.Plan(ScheduleDoc(30 + 1.0 / 1440));
        Assert.Equal(plan.Routes.Select(r => r.RouteKey), later.Routes.Select(r => r.RouteKey));
        Assert.NotEqual(plan.PlanId, later.PlanId);
    }

    [Fact]
    public void The_plan_writes_its_canonical_json()
    {
        var plan = _f.Plan(Doc(d => d["owner_routes"] = new JsonObject
            { ["release-governance"] = new JsonObject { ["providers"] = new JsonArray("teams"), ["acknowledgement_minutes"] = 15, ["escalation_owner"] = "cto" } }));
        Assert.Equal($$"""
            {"schema_version":"cavra.go-backend-rollback-drill-notification-plan.v1","plan_id":"{{plan.PlanId}}","schedule_id":"{{ScheduleId}}","environment":"production-pilot","schedule_status":"ready","next_due_at":"2026-12-26T12:00:00+00:00","days_until_due":30.0,"runbook_ref":"docs/go-backend-rollback-drill-scheduling.md","generated_at":"2026-11-26T12:00:00+00:00","deliver_count":1,"suppress_count":0,"routes":[{"route_key":"{{Key("release-governance", "teams")}}","owner":"release-governance","provider":"teams","action":"deliver","suppressed_by":"","acknowledgement_minutes":15,"escalation_owner":"cto"}]}
            """, CanonicalJsonWriter.Serialize(plan, indented: false));
    }

    [Theory]
    [InlineData(30, "ready")]
    [InlineData(3, "due_soon")]
    [InlineData(-0.5, "overdue")]
    public void The_status_comes_from_the_schedule(double dueInDays, string status)
    {
        var schedule = _f.Schedule(ScheduleDoc(dueInDays));
        Assert.Equal(status, ScheduleStatuses.Of(schedule));
        Assert.Equal(status, NotificationPlan.Build(schedule, status, Now).ScheduleStatus);
    }

    [Fact]
    public void Stale_without_a_due_date_and_needs_attention_when_otherwise_invalid()
    {
        Assert.Equal("stale", ScheduleStatuses.Of(_f.Schedule(Doc(d => d.Remove("next_due_at")))));
        Assert.Equal("needs_attention", ScheduleStatuses.Of(_f.Schedule(Doc(d => d["status"] = "paused"))));
        Assert.Equal("overdue", ScheduleStatuses.Of(_f.Schedule(Doc(d => { d["status"] = "paused"; d["next_due_at"] = At(-2); }))));
    }

    [Fact]
    public void An_unknown_status_or_a_schedule_without_owners_is_refused()
    {
        var schedule = _f.Schedule(ScheduleDoc());
        Assert.Equal("schedule status must be one of ready, due_soon, overdue, stale, needs_attention (Parameter 'scheduleStatus')",
            Assert.Throws<ArgumentException>(() => NotificationPlan.Build(schedule, "late", Now)).Message);
        var e = Refused(d => d["owners"] = new JsonArray());
        Assert.Equal("rollback drill schedule cannot be planned: the schedule has no owners or no notification_providers "
            + "(rollback drill schedule owners must be a non-empty list of strings)", e.Message);
        Assert.StartsWith("rollback drill schedule cannot be planned: the schedule has no schedule_id",
            Refused(d => d.Remove("schedule_id")).Message);
    }

    [Fact]
    public void Owner_routes_narrow_providers_and_set_acknowledgement_and_escalation_in_both_shapes()
    {
        var asObject = _f.Plan(Doc(d =>
        {
            d["owners"] = new JsonArray("release-governance", "sre");
            d["owner_routes"] = new JsonObject
            {
                ["sre"] = new JsonObject { ["providers"] = new JsonArray("slack"), ["acknowledgement_minutes"] = 30, ["escalation_owner"] = "release-governance" },
                ["someone-else"] = new JsonObject { ["providers"] = new JsonArray("pagerduty") }, // not an owner here: ignored
            };
        }));
        Assert.Equal(new[] { ("release-governance", "slack", 60, ""), ("release-governance", "teams", 60, ""), ("sre", "slack", 30, "release-governance") },
            asObject.Routes.Select(r => (r.Owner, r.Provider, r.AcknowledgementMinutes, r.EscalationOwner)));

        var asList = _f.Plan(Doc(d =>
        {
            d["owners"] = new JsonArray("release-governance", "sre");
            d["owner_routes"] = new JsonArray(new JsonObject { ["owner"] = "sre", ["providers"] = new JsonArray("slack"), ["acknowledgement_minutes"] = 30,
                ["escalation_owner"] = "release-governance" });
        }));
        Assert.Equal(asObject.Routes.Select(r => r.ToString() + r.AcknowledgementMinutes), asList.Routes.Select(r => r.ToString() + r.AcknowledgementMinutes));
    }

    [Fact]
    public void Malformed_owner_routes_refuse_the_plan_naming_every_problem()
    {
        var e = Refused(d => d["owner_routes"] = new JsonObject
        {
            ["release-governance"] = new JsonObject { ["providers"] = new JsonArray("pagerduty"), ["acknowledgement_minutes"] = 0, ["escalation_owner"] = 5 },
        });
        Assert.Equal($"rollback drill schedule {ScheduleId} cannot be planned: owner_routes.release-governance names provider pagerduty, which is not in "
            + "notification_providers; owner_routes.release-governance acknowledgement_minutes must be a positive whole number; "
            + "owner_routes.release-governance escalation_owner must be a string", e.Message);
        Assert.EndsWith("owner_routes[0] must be an object with an owner", Refused(d => d["owner_routes"] = new JsonArray(new JsonObject { ["providers"] = new JsonArray("slack") })).Message);
        Assert.EndsWith("owner_routes[1] (release-governance): owner release-governance has more than one route", Refused(d => d["owner_routes"] = new JsonArray(
            new JsonObject { ["owner"] = "release-governance" }, new JsonObject { ["owner"] = "release-governance" })).Message);
        Assert.EndsWith("owner_routes.release-governance providers must be a non-empty list of strings",
            Refused(d => d["owner_routes"] = new JsonObject { ["release-governance"] = new JsonObject { ["providers"] = new JsonArray() } }).Message);
    }

    [Fact]
    public void A_maintenance_window_active_now_suppresses_within_its_limits()
    {
        NotificationPlan With(JsonObject window) => _f.Plan(Doc(d => d["maintenance_windows"] = new JsonArray(window)));
        string[] Suppressed(NotificationPlan p) => p.Routes.Select(r => r.Action == "suppress" ? r.Provider + "=" + r.SuppressedBy : r.Provider).ToArray();

        Assert.Equal(new[] { "slack=maintenance_window:maintenance_windows[0]", "teams=maintenance_window:maintenance_windows[0]" }, Suppressed(With(Window(-1, 1))));
        var named = Window(-1, 1);
        named["window_id"] = "mw-42";
        named["providers"] = new JsonArray("teams");
        Assert.Equal(new[] { "slack", "teams=maintenance_window:mw-42" }, Suppressed(With(named)));
        var byName = Window(-1, 1);
        byName["name"] = "freeze";
        byName["owners"] = new JsonArray("someone-else");
        Assert.Equal(new[] { "slack", "teams" }, Suppressed(With(byName)));
        var otherSchedule = Window(-1, 1);
        otherSchedule["schedule_ids"] = new JsonArray("another_schedule");
        Assert.Equal(new[] { "slack", "teams" }, Suppressed(With(otherSchedule)));
        var thisSchedule = Window(-1, 1);
        thisSchedule["schedule_ids"] = new JsonArray(ScheduleId);
        thisSchedule["name"] = "freeze";
        Assert.Equal(new[] { "slack=maintenance_window:freeze", "teams=maintenance_window:freeze" }, Suppressed(With(thisSchedule)));
        // From start_at up to, not including, end_at.
        Assert.Equal(new[] { "slack", "teams" }, Suppressed(With(Window(-1, 0))));
        Assert.Equal("suppress", With(Window(0, 1)).Routes[0].Action);
        Assert.Equal(new[] { "slack", "teams" }, Suppressed(With(Window(1, 2))));
        var plan = With(Window(-1, 1));
        Assert.Equal((0, 2), (plan.DeliverCount, plan.SuppressCount));
        Assert.Equal("release-governance via slack: suppress (maintenance_window:maintenance_windows[0])", plan.Routes[0].ToString());
    }

    [Fact]
    public void An_owner_calendar_suppresses_when_unavailable_or_in_an_unavailable_window()
    {
        NotificationPlan With(JsonObject calendar) => _f.Plan(Doc(d => d["owner_calendars"] = new JsonObject { ["release-governance"] = calendar }));
        Assert.All(With(new JsonObject { ["available"] = false }).Routes, r => Assert.Equal("owner_calendar:release-governance", r.SuppressedBy));
        Assert.All(With(new JsonObject { ["available"] = true }).Routes, r => Assert.Equal("deliver", r.Action));
        Assert.All(With(new JsonObject { ["unavailable_windows"] = new JsonArray(Window(-3, -2), Window(-0.1, 0.1)) }).Routes,
            r => Assert.Equal("owner_calendar:release-governance:unavailable_windows[1]", r.SuppressedBy));
        Assert.All(With(new JsonObject { ["unavailable_windows"] = new JsonArray(Window(-3, -2)) }).Routes, r => Assert.True(r.Deliver));
        // A maintenance window is named before the calendar.
        var both = _f.Plan(Doc(d =>
        {
            d["maintenance_windows"] = new JsonArray(Window(-1, 1));
            d["owner_calendars"] = new JsonObject { ["release-governance"] = new JsonObject { ["available"] = false } };
        }));
        Assert.All(both.Routes, r => Assert.Equal("maintenance_window:maintenance_windows[0]", r.SuppressedBy));
    }

    [Fact]
    public void Malformed_windows_and_calendars_refuse_the_plan_rather_than_suppress()
    {
        var e = Refused(d =>
        {
            d["maintenance_windows"] = new JsonArray(new JsonObject { ["start_at"] = At(-1) }, Window(1, 1), 5,
                new JsonObject { ["start_at"] = At(-1), ["end_at"] = At(1), ["providers"] = "slack" });
            d["owner_calendars"] = new JsonObject
            {
                ["release-governance"] = new JsonObject { ["available"] = "no", ["unavailable_windows"] = new JsonArray(new JsonObject { ["start_at"] = "soon", ["end_at"] = At(1) }) },
            };
        });
        Assert.Equal($"rollback drill schedule {ScheduleId} cannot be planned: maintenance_windows[0] must have ISO 8601 start_at and end_at; "
            + "maintenance_windows[1] end_at must be after start_at; maintenance_windows[2] must be an object; maintenance_windows[3] providers must be a list of strings; "
            + "owner_calendars.release-governance available must be true or false; "
            + "owner_calendars.release-governance.unavailable_windows[0] must have ISO 8601 start_at and end_at", e.Message);
        Assert.EndsWith("owner_calendars.release-governance unavailable_windows must be a list",
            Refused(d => d["owner_calendars"] = new JsonObject { ["release-governance"] = new JsonObject { ["unavailable_windows"] = 1 } }).Message);
        Assert.EndsWith("owner_calendars.release-governance must be an object",
            Refused(d => d["owner_calendars"] = new JsonObject { ["release-governance"] = true }).Message);
    }

    [Fact]
    public void Duplicate_owners_and_providers_plan_once()
    {
        var plan = _f.Plan(Doc(d => { d["owners"] = new JsonArray("a", "a"); d["notification_providers"] = new JsonArray("slack", "slack"); }));
        Assert.Equal("a via slack: deliver", Assert.Single(plan.Routes).ToString());
    }
}
