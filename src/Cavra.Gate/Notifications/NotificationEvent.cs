using System;
using System.Collections.Generic;
using System.Globalization;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Notifications
{
    /// <summary>
    /// What one route tells its owner (docs/design/notifications.md §4): the schedule's state as planned, who must
    /// acknowledge and by when, and where the plan and route came from. The webhook provider receives this document as it
    /// is; the other providers receive it reshaped by <see cref="NotificationPayloads"/>. No connector detail (URL, header)
    /// is ever part of it.
    /// </summary>
    public sealed class NotificationEvent : ICanonicalJson
    {
        public const string Schema = "cavra.go-backend-rollback-drill-notification.v1";
        public const string Type = "cavra.go_backend.rollback_drill.notification";

        public NotificationEvent(string planId, string routeKey, string scheduleId, string environment, string scheduleStatus, string owner,
            string provider, string nextDueAt, double? daysUntilDue, string runbookRef, int acknowledgementMinutes, string escalationOwner,
            string generatedAt, string retryOf = "")
        {
            PlanId = planId ?? ""; RouteKey = routeKey ?? ""; ScheduleId = scheduleId ?? ""; Environment = environment ?? "";
            ScheduleStatus = scheduleStatus ?? ""; Owner = owner ?? ""; Provider = provider ?? ""; NextDueAt = nextDueAt ?? "";
            DaysUntilDue = daysUntilDue; RunbookRef = runbookRef ?? ""; AcknowledgementMinutes = acknowledgementMinutes;
            EscalationOwner = escalationOwner ?? ""; GeneratedAt = generatedAt ?? ""; RetryOf = retryOf ?? "";
        }

        /// <summary>The event one route of <paramref name="plan"/> delivers.</summary>
        public static NotificationEvent For(NotificationPlan plan, NotificationRoute route)
        {
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            if (route == null) throw new ArgumentNullException(nameof(route));
            return new NotificationEvent(plan.PlanId, route.RouteKey, plan.ScheduleId, plan.Environment, plan.ScheduleStatus, route.Owner,
                route.Provider, plan.NextDueAt, plan.DaysUntilDue, plan.RunbookRef, route.AcknowledgementMinutes, route.EscalationOwner, plan.GeneratedAt);
        }

        public string EventType => Type;
        public string PlanId { get; }
        public string RouteKey { get; }
        public string ScheduleId { get; }
        public string Environment { get; }
        public string ScheduleStatus { get; }
        public string Owner { get; }
        public string Provider { get; }
        public string NextDueAt { get; }
        public double? DaysUntilDue { get; }
        public string RunbookRef { get; }
        public int AcknowledgementMinutes { get; }
        public string EscalationOwner { get; }
        public string GeneratedAt { get; }
        /// <summary>"" or the delivery id a live retry repeats, so a receiver can tell a retry from a new notice.</summary>
        public string RetryOf { get; }

        /// <summary>One line: what is the matter with which schedule.</summary>
        public string Title
        {
            get
            {
                switch (ScheduleStatus)
                {
                    case ScheduleStatuses.Overdue: return $"Rollback drill {ScheduleId} is overdue";
                    case ScheduleStatuses.DueSoon: return $"Rollback drill {ScheduleId} is due soon";
                    case ScheduleStatuses.Stale: return $"Rollback drill schedule {ScheduleId} is stale";
                    case ScheduleStatuses.NeedsAttention: return $"Rollback drill schedule {ScheduleId} needs attention";
                    default: return $"Rollback drill {ScheduleId} is scheduled";
                }
            }
        }

        /// <summary>Two sentences: when, and who must acknowledge within how long.</summary>
        public string Summary
        {
            get
            {
                string where = Environment.Length > 0 ? $" in {Environment}" : "";
                string when = NextDueAt.Length == 0 ? "No next due date is known."
                    : DaysUntilDue is double d && d < 0 ? $"The next drill was due at {NextDueAt} ({Days(-d)} days ago)."
                    : DaysUntilDue is double left ? $"The next drill is due at {NextDueAt} (in {Days(left)} days)."
                    : $"The next drill is due at {NextDueAt}.";
                string escalation = EscalationOwner.Length > 0 ? $", else it escalates to {EscalationOwner}" : "";
                return $"{Title}{where}. {when} {Owner} should acknowledge within {AcknowledgementMinutes} minutes{escalation}.";
            }
        }

        /// <summary>Label/value pairs every provider shows, in this order.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Facts
        {
            get
            {
                var facts = new List<KeyValuePair<string, string>>
                {
                    Fact("Schedule", ScheduleId),
                    Fact("Environment", Environment),
                    Fact("Status", ScheduleStatus),
                    Fact("Next due", NextDueAt),
                    Fact("Owner", Owner),
                    Fact("Acknowledge within", $"{AcknowledgementMinutes} minutes"),
                    Fact("Escalation owner", EscalationOwner),
                    Fact("Runbook", RunbookRef),
                    Fact("Plan", PlanId),
                    Fact("Route", RouteKey),
                };
                if (RetryOf.Length > 0) facts.Add(Fact("Retry of", RetryOf));
                return facts;
            }
        }

        private static KeyValuePair<string, string> Fact(string name, string value) => new KeyValuePair<string, string>(name, value);

        private static string Days(double days) => days.ToString("0.####", CultureInfo.InvariantCulture);

        public override string ToString() => Title;

        public void WriteJson(CanonicalJsonWriter w) => w.StartObject()
            .Property("schema_version", Schema)
            .Property("event_type", Type)
            .Property("plan_id", PlanId)
            .Property("route_key", RouteKey)
            .Property("schedule_id", ScheduleId)
            .Property("environment", Environment)
            .Property("schedule_status", ScheduleStatus)
            .Property("owner", Owner)
            .Property("provider", Provider)
            .Property("next_due_at", NextDueAt)
            .Property("days_until_due", DaysUntilDue)
            .Property("runbook_ref", RunbookRef)
            .Property("acknowledgement_minutes", AcknowledgementMinutes)
            .Property("escalation_owner", EscalationOwner)
            .Property("generated_at", GeneratedAt)
            .Property("retry_of", RetryOf)
            .Property("title", Title)
            .Property("summary", Summary)
            .EndObject();
    }

    /// <summary>
    /// The request body each provider receives (docs/design/notifications.md §4): webhook the event itself; slack an
    /// incoming-webhook message (<c>text</c> + <c>blocks</c>); teams an incoming-webhook MessageCard; jira a REST v2
    /// create-issue body (<c>fields.project.key</c> from the connector's <c>project_key</c>, <c>issuetype.name</c> from its
    /// <c>issue_type</c>); servicenow a Table API incident (<c>short_description</c>, <c>description</c>, <c>urgency</c>
    /// 1 for overdue/stale/needs_attention, 2 for due_soon, 3 for ready, <c>category</c> from the connector).
    /// Compact JSON, UTF-8. Titles are cut to the receivers' limits: Slack header 150, Jira summary 255, ServiceNow short description 160.
    /// </summary>
    public static class NotificationPayloads
    {
        // The receivers refuse longer values with a 4xx (not retried), so a long schedule id must not cost the delivery.
        public const int SlackHeaderMax = 150;
        public const int JiraSummaryMax = 255;
        public const int ServiceNowShortDescriptionMax = 160;

        /// <summary><paramref name="text"/> cut to <paramref name="max"/> characters, the last one an ellipsis when cut (never splitting a surrogate pair).</summary>
        public static string Fit(string text, int max)
        {
            if (text.Length <= max) return text;
            int keep = max - 1;
            if (char.IsHighSurrogate(text[keep - 1])) keep--;
            return text.Substring(0, keep) + "…";
        }

        public static string For(NotificationEvent e, Connector connector)
        {
            if (e == null) throw new ArgumentNullException(nameof(e));
            if (connector == null) throw new ArgumentNullException(nameof(connector));
            var w = new CanonicalJsonWriter(indented: false);
            switch (connector.Provider)
            {
                case ConnectorProviders.Webhook: e.WriteJson(w); break;
                case ConnectorProviders.Slack: Slack(w, e); break;
                case ConnectorProviders.Teams: Teams(w, e); break;
                case ConnectorProviders.Jira: Jira(w, e, connector); break;
                case ConnectorProviders.ServiceNow: ServiceNow(w, e, connector); break;
                default: throw new ArgumentException($"provider {connector.Provider} has no payload shape", nameof(connector));
            }
            return w.ToString();
        }

        private static void Slack(CanonicalJsonWriter w, NotificationEvent e)
        {
            var context = $"plan {e.PlanId} · route {e.RouteKey}" + (e.RetryOf.Length > 0 ? $" · retry of {e.RetryOf}" : "");
            w.StartObject().Property("text", SlackEscape(e.Summary)).Name("blocks").StartArray();
            w.StartObject().Property("type", "header").Name("text").StartObject().Property("type", "plain_text").Property("text", Fit(e.Title, SlackHeaderMax)).EndObject().EndObject();
            w.StartObject().Property("type", "section").Name("text").StartObject().Property("type", "mrkdwn").Property("text", SlackEscape(e.Summary)).EndObject().EndObject();
            w.StartObject().Property("type", "context").Name("elements").StartArray()
                .StartObject().Property("type", "mrkdwn").Property("text", SlackEscape(context)).EndObject()
                .EndArray().EndObject();
            w.EndArray().EndObject();
        }

        /// <summary>Slack's three control characters in mrkdwn text, so a schedule id cannot turn into a link or a mention.</summary>
        private static string SlackEscape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

        private static void Teams(CanonicalJsonWriter w, NotificationEvent e)
        {
            w.StartObject()
                .Property("@type", "MessageCard")
                .Property("@context", "https://schema.org/extensions")
                .Property("summary", e.Title)
                .Property("themeColor", ThemeColor(e.ScheduleStatus))
                .Property("title", e.Title)
                .Property("text", e.Summary)
                .Name("sections").StartArray().StartObject().Name("facts").StartArray();
            foreach (var f in e.Facts) w.StartObject().Property("name", f.Key).Property("value", f.Value).EndObject();
            w.EndArray().EndObject().EndArray().EndObject();
        }

        private static string ThemeColor(string status) =>
            status == ScheduleStatuses.Ready ? "2E7D32" : status == ScheduleStatuses.DueSoon ? "F9A825" : "C62828";

        private static void Jira(CanonicalJsonWriter w, NotificationEvent e, Connector c) => w.StartObject()
            .Name("fields").StartObject()
                .Name("project").StartObject().Property("key", c.ProjectKey).EndObject()
                .Property("summary", Fit(e.Title, JiraSummaryMax))
                .Property("description", Description(e))
                .Name("issuetype").StartObject().Property("name", c.IssueType).EndObject()
            .EndObject()
            .EndObject();

        private static void ServiceNow(CanonicalJsonWriter w, NotificationEvent e, Connector c) => w.StartObject()
            .Property("short_description", Fit(e.Title, ServiceNowShortDescriptionMax))
            .Property("description", Description(e))
            .Property("urgency", Urgency(e.ScheduleStatus))
            .Property("category", c.Category)
            .EndObject();

        /// <summary>ServiceNow's urgency choice values: 1 high, 2 medium, 3 low.</summary>
        public static string Urgency(string status) =>
            status == ScheduleStatuses.Ready ? "3" : status == ScheduleStatuses.DueSoon ? "2" : "1";

        /// <summary>The summary and the facts as plain text lines (jira and servicenow descriptions).</summary>
        public static string Description(NotificationEvent e)
        {
            var lines = new List<string> { e.Summary, "" };
            foreach (var f in e.Facts) lines.Add($"{f.Key}: {f.Value}");
            return string.Join("\n", lines);
        }
    }
}
