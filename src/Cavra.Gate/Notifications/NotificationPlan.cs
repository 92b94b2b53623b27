using System;
using System.Collections.Generic;
using System.Linq;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;

namespace Cavra.Gate.Notifications
{
    /// <summary>The schedule states a notification reports (docs/design/notifications.md §3).</summary>
    public static class ScheduleStatuses
    {
        public const string Ready = "ready";
        public const string DueSoon = "due_soon";
        public const string Overdue = "overdue";
        public const string Stale = "stale";
        public const string NeedsAttention = "needs_attention";

        public static readonly IReadOnlyList<string> All = new[] { Ready, DueSoon, Overdue, Stale, NeedsAttention };

        /// <summary>
        /// The state of <paramref name="schedule"/> as read at its clock: overdue when the due date has passed, stale when no
        /// due date is known, needs_attention when the schedule has another problem (inactive, no cadence, a bad field),
        /// else due_soon or ready.
        /// </summary>
        public static string Of(RollbackDrillSchedule schedule)
        {
            if (schedule == null) throw new ArgumentNullException(nameof(schedule));
            if (schedule.DaysUntilDue is double days && days < 0) return Overdue;
            if (schedule.Stale) return Stale;
            if (!schedule.Valid) return NeedsAttention;
            return schedule.DueSoon ? DueSoon : Ready;
        }
    }

    /// <summary>The schedule cannot be planned: <see cref="Exception.Message"/> names every problem.</summary>
    public sealed class NotificationPlanException : ArgumentException
    {
        public NotificationPlanException(string message) : base(message) { }
    }

    /// <summary>One owner × provider pair of a plan: delivered, or suppressed by the window or calendar named in <see cref="SuppressedBy"/>.</summary>
    public sealed class NotificationRoute : ICanonicalJson
    {
        public const string DeliverAction = "deliver";
        public const string SuppressAction = "suppress";
        public const int DefaultAcknowledgementMinutes = 60;

        internal NotificationRoute(string routeKey, string owner, string provider, string suppressedBy, int acknowledgementMinutes, string escalationOwner)
        {
            RouteKey = routeKey; Owner = owner; Provider = provider; SuppressedBy = suppressedBy;
            Action = suppressedBy.Length == 0 ? DeliverAction : SuppressAction;
            AcknowledgementMinutes = acknowledgementMinutes; EscalationOwner = escalationOwner;
        }

        /// <summary><c>gordroute-</c> over schedule_id, owner and provider: the same pair has the same key in every plan.</summary>
        public string RouteKey { get; }
        public string Owner { get; }
        public string Provider { get; }
        public string Action { get; }
        public bool Deliver => Action == DeliverAction;
        /// <summary>"" when delivered; else <c>maintenance_window:&lt;id&gt;</c>, <c>owner_calendar:&lt;owner&gt;</c> or
        /// <c>owner_calendar:&lt;owner&gt;:unavailable_windows[i]</c>.</summary>
        public string SuppressedBy { get; }
        public int AcknowledgementMinutes { get; }
        public string EscalationOwner { get; }

        public static string KeyOf(string scheduleId, string owner, string provider) =>
            NotificationRecords.Id("gordroute-", ("schedule_id", scheduleId ?? ""), ("owner", owner ?? ""), ("provider", provider ?? ""));

        public override string ToString() => $"{Owner} via {Provider}: {Action}" + (SuppressedBy.Length > 0 ? $" ({SuppressedBy})" : "");

        public void WriteJson(CanonicalJsonWriter w) => w.StartObject()
            .Property("route_key", RouteKey)
            .Property("owner", Owner)
            .Property("provider", Provider)
            .Property("action", Action)
            .Property("suppressed_by", SuppressedBy)
            .Property("acknowledgement_minutes", AcknowledgementMinutes)
            .Property("escalation_owner", EscalationOwner)
            .EndObject();
    }

    /// <summary>
    /// Who is told about a drill schedule, and through which provider (docs/design/notifications.md §3): one route per
    /// owner × provider of the schedule. An owner's <c>owner_routes</c> entry may narrow its providers and sets its
    /// acknowledgement time and escalation owner; a maintenance window active now (limited by its <c>schedule_ids</c>,
    /// <c>providers</c> and <c>owners</c> when given) or the owner's calendar (<c>available: false</c>, or an
    /// <c>unavailable_windows</c> entry active now) suppresses a route. A window is active from <c>start_at</c> up to, not
    /// including, <c>end_at</c>. The plan snapshots the schedule's state so delivery does not read the schedule again.
    /// Stricter than upstream: a malformed route, window or calendar entry refuses the plan (it never silently suppresses
    /// or widens who is told).
    /// </summary>
    public sealed class NotificationPlan : ICanonicalJson
    {
        public const string Schema = "cavra.go-backend-rollback-drill-notification-plan.v1";

        private NotificationPlan(string planId, RollbackDrillSchedule schedule, string status, string generatedAt, IReadOnlyList<NotificationRoute> routes)
        {
            PlanId = planId; ScheduleId = schedule.ScheduleId; Environment = schedule.Environment; ScheduleStatus = status;
            NextDueAt = schedule.NextDueAt; DaysUntilDue = schedule.DaysUntilDue; RunbookRef = schedule.RunbookRef;
            GeneratedAt = generatedAt; Routes = routes;
        }

        /// <summary><c>gordn-</c> over schedule_id, schedule status, the sorted route keys and generated_at.</summary>
        public string PlanId { get; }
        public string ScheduleId { get; }
        public string Environment { get; }
        public string ScheduleStatus { get; }
        public string NextDueAt { get; }
        public double? DaysUntilDue { get; }
        public string RunbookRef { get; }
        public string GeneratedAt { get; }
        public IReadOnlyList<NotificationRoute> Routes { get; }
        public int DeliverCount => Routes.Count(r => r.Deliver);
        public int SuppressCount => Routes.Count(r => !r.Deliver);

        public override string ToString() => $"{PlanId}: schedule {ScheduleId} {ScheduleStatus}, {DeliverCount} to deliver, {SuppressCount} suppressed";

        /// <summary>Plans <paramref name="schedule"/> at <paramref name="now"/>; <paramref name="scheduleStatus"/> is one of
        /// <see cref="ScheduleStatuses.All"/> (usually <see cref="ScheduleStatuses.Of"/>).</summary>
        /// <exception cref="NotificationPlanException">The schedule has no id, owners or providers, or a malformed owner route, maintenance window or calendar.</exception>
        public static NotificationPlan Build(RollbackDrillSchedule schedule, string scheduleStatus, DateTimeOffset now)
        {
            if (schedule == null) throw new ArgumentNullException(nameof(schedule));
            if (!ScheduleStatuses.All.Contains(scheduleStatus ?? "", StringComparer.Ordinal))
                throw new ArgumentException($"schedule status must be one of {string.Join(", ", ScheduleStatuses.All)}", nameof(scheduleStatus));
            var problems = new List<string>();
            if (schedule.ScheduleId.Length == 0) problems.Add("the schedule has no schedule_id");
            var owners = Distinct(schedule.Owners);
            var providers = Distinct(schedule.NotificationProviders);
            if (owners.Count == 0 || providers.Count == 0) problems.Add("the schedule has no owners or no notification_providers");
            if (problems.Count > 0)
                throw new NotificationPlanException($"rollback drill schedule cannot be planned: {string.Join("; ", problems)} ({schedule.Message})");

            var routes = OwnerRoutes(schedule.OwnerRoutes, owners, providers, problems);
            var windows = Windows(schedule.MaintenanceWindows, problems);
            var calendars = Calendars(schedule.OwnerCalendars, owners, problems);
            if (problems.Count > 0)
                throw new NotificationPlanException($"rollback drill schedule {schedule.ScheduleId} cannot be planned: {string.Join("; ", problems)}");

            var planned = new List<NotificationRoute>();
            foreach (var owner in owners)
            {
                routes.TryGetValue(owner, out var route);
                foreach (var provider in providers)
                {
                    if (route?.Providers != null && !route.Providers.Contains(provider, StringComparer.Ordinal)) continue;
                    string suppressedBy = windows.FirstOrDefault(w => w.Suppresses(schedule.ScheduleId, owner, provider, now))?.Label
                        ?? (calendars.TryGetValue(owner, out var calendar) ? calendar.SuppressedBy(now) : "");
                    planned.Add(new NotificationRoute(NotificationRoute.KeyOf(schedule.ScheduleId, owner, provider), owner, provider, suppressedBy,
                        route?.AcknowledgementMinutes ?? NotificationRoute.DefaultAcknowledgementMinutes, route?.EscalationOwner ?? ""));
                }
            }
            string generatedAt = IsoTimestamp.Format(now);
            var keys = planned.Select(r => r.RouteKey).OrderBy(k => k, StringComparer.Ordinal).ToList();
            string planId = NotificationRecords.Id("gordn-", ("schedule_id", schedule.ScheduleId), ("status", scheduleStatus),
                ("route_keys", keys), ("generated_at", generatedAt));
            return new NotificationPlan(planId, schedule, scheduleStatus!, generatedAt, planned);
        }

        private static List<string> Distinct(IReadOnlyList<string> values) =>
            values.Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).ToList();

        private sealed class OwnerRoute
        {
            public IReadOnlyList<string>? Providers;
            public int AcknowledgementMinutes = NotificationRoute.DefaultAcknowledgementMinutes;
            public string EscalationOwner = "";
        }

        /// <summary>owner_routes as an object (owner → route) or a list of routes with an <c>owner</c>; entries for owners
        /// the schedule does not list are ignored (a routing table may be shared).</summary>
        private static Dictionary<string, OwnerRoute> OwnerRoutes(JsonValue value, List<string> owners, List<string> providers, List<string> problems)
        {
            var result = new Dictionary<string, OwnerRoute>(StringComparer.Ordinal);
            var entries = new List<(string Owner, JsonValue Entry, string At)>();
            if (value is JsonObject byOwner)
                foreach (var m in byOwner.Members) entries.Add((m.Key, m.Value, $"owner_routes.{m.Key}"));
            else if (value is JsonArray list)
                for (int i = 0; i < list.Count; i++)
                {
                    string owner = list.Items[i] is JsonObject o && o.Get("owner") is JsonString s ? s.Value : "";
                    if (owner.Length == 0) problems.Add($"owner_routes[{i}] must be an object with an owner");
                    else entries.Add((owner, list.Items[i], $"owner_routes[{i}] ({owner})"));
                }
            foreach (var (owner, entry, at) in entries)
            {
                if (!owners.Contains(owner, StringComparer.Ordinal)) continue;
                if (!(entry is JsonObject o)) { problems.Add($"{at} must be an object"); continue; }
                if (result.ContainsKey(owner)) { problems.Add($"{at}: owner {owner} has more than one route"); continue; }
                var route = new OwnerRoute();
                if (o.Get("providers") != null)
                {
                    if (!EvidenceFields.StringList(o, "providers", out var narrowed) || narrowed.Count == 0)
                        problems.Add($"{at} providers must be a non-empty list of strings");
                    else
                    {
                        foreach (var p in narrowed.Where(p => !providers.Contains(p, StringComparer.Ordinal)))
                            problems.Add($"{at} names provider {p}, which is not in notification_providers");
                        route.Providers = narrowed;
                    }
                }
                switch (o.Get("acknowledgement_minutes"))
                {
                    case null: break;
                    case JsonNumber n when n.IsInteger && n.Value >= 1 && n.Value <= int.MaxValue: route.AcknowledgementMinutes = (int)n.Value; break;
                    default: problems.Add($"{at} acknowledgement_minutes must be a positive whole number"); break;
                }
                switch (o.Get("escalation_owner"))
                {
                    case null: break;
                    case JsonString s: route.EscalationOwner = s.Value; break;
                    default: problems.Add($"{at} escalation_owner must be a string"); break;
                }
                result[owner] = route;
            }
            return result;
        }

        private sealed class Window
        {
            public string Label = "";
            public DateTimeOffset Start, End;
            public IReadOnlyList<string>? ScheduleIds, Providers, Owners;

            public bool ActiveAt(DateTimeOffset now) => Start <= now && now < End;

            public bool Suppresses(string scheduleId, string owner, string provider, DateTimeOffset now) =>
                ActiveAt(now) && Matches(ScheduleIds, scheduleId) && Matches(Providers, provider) && Matches(Owners, owner);

            private static bool Matches(IReadOnlyList<string>? limit, string value) => limit == null || limit.Contains(value, StringComparer.Ordinal);
        }

        private static List<Window> Windows(JsonArray windows, List<string> problems)
        {
            var result = new List<Window>();
            for (int i = 0; i < windows.Count; i++)
            {
                string at = $"maintenance_windows[{i}]";
                if (!(windows.Items[i] is JsonObject o)) { problems.Add($"{at} must be an object"); continue; }
                var w = ReadWindow(o, at, problems);
                if (w == null) continue;
                string id = o.Get("window_id") is JsonString wid && wid.Value.Length > 0 ? wid.Value
                    : o.Get("name") is JsonString name && name.Value.Length > 0 ? name.Value : at;
                w.Label = "maintenance_window:" + id;
                w.ScheduleIds = Limit(o, "schedule_ids", at, problems);
                w.Providers = Limit(o, "providers", at, problems);
                w.Owners = Limit(o, "owners", at, problems);
                result.Add(w);
            }
            return result;
        }

        private static Window? ReadWindow(JsonObject o, string at, List<string> problems)
        {
            bool startOk = IsoTimestamp.TryParse(EvidenceFields.Text(o, "start_at"), out var start);
            bool endOk = IsoTimestamp.TryParse(EvidenceFields.Text(o, "end_at"), out var end);
            if (!startOk || !endOk) { problems.Add($"{at} must have ISO 8601 start_at and end_at"); return null; }
            if (end <= start) { problems.Add($"{at} end_at must be after start_at"); return null; }
            return new Window { Start = start, End = end };
        }

        /// <summary>An optional limiting list: absent = no limit; present it must be a list of strings (an empty list limits to nothing).</summary>
        private static IReadOnlyList<string>? Limit(JsonObject o, string key, string at, List<string> problems)
        {
            if (o.Get(key) == null) return null;
            if (EvidenceFields.StringList(o, key, out var items)) return items;
            problems.Add($"{at} {key} must be a list of strings");
            return null;
        }

        private sealed class Calendar
        {
            public string Owner = "";
            public bool Unavailable;
            public List<Window> Windows = new List<Window>();

            public string SuppressedBy(DateTimeOffset now)
            {
                if (Unavailable) return "owner_calendar:" + Owner;
                var active = Windows.FirstOrDefault(w => w.ActiveAt(now));
                return active == null ? "" : $"owner_calendar:{Owner}:{active.Label}";
            }
        }

        private static Dictionary<string, Calendar> Calendars(JsonObject calendars, List<string> owners, List<string> problems)
        {
            var result = new Dictionary<string, Calendar>(StringComparer.Ordinal);
            foreach (var m in calendars.Members)
            {
                if (!owners.Contains(m.Key, StringComparer.Ordinal)) continue;
                string at = $"owner_calendars.{m.Key}";
                if (!(m.Value is JsonObject o)) { problems.Add($"{at} must be an object"); continue; }
                var calendar = new Calendar { Owner = m.Key };
                switch (o.Get("available"))
                {
                    case null: break;
                    case JsonBoolean b: calendar.Unavailable = !b.Value; break;
                    default: problems.Add($"{at} available must be true or false"); break;
                }
                switch (o.Get("unavailable_windows"))
                {
                    case null: break;
                    case JsonArray list:
                        for (int i = 0; i < list.Count; i++)
                        {
                            string wat = $"{at}.unavailable_windows[{i}]";
                            if (!(list.Items[i] is JsonObject wo)) { problems.Add($"{wat} must be an object"); continue; }
                            var w = ReadWindow(wo, wat, problems);
                            if (w != null) { w.Label = $"unavailable_windows[{i}]"; calendar.Windows.Add(w); }
                        }
                        break;
                    default: problems.Add($"{at} unavailable_windows must be a list"); break;
                }
                result[m.Key] = calendar;
            }
            return result;
        }

        public void WriteJson(CanonicalJsonWriter w) => w.StartObject()
            .Property("schema_version", Schema)
            .Property("plan_id", PlanId)
            .Property("schedule_id", ScheduleId)
            .Property("environment", Environment)
            .Property("schedule_status", ScheduleStatus)
            .Property("next_due_at", NextDueAt)
            .Property("days_until_due", DaysUntilDue)
            .Property("runbook_ref", RunbookRef)
            .Property("generated_at", GeneratedAt)
            .Property("deliver_count", DeliverCount)
            .Property("suppress_count", SuppressCount)
            .Property("routes", Routes)
            .EndObject();
    }
}
