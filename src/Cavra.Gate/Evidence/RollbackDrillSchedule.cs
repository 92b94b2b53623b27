using System;
using System.Collections.Generic;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Evidence
{
    /// <summary>
    /// Upstream <c>_rollback_drill_schedule_summary(path, history, due_soon_days)</c> (docs/design/evidence.md §6): when the next rollback
    /// drill is due (an explicit <c>next_due_at</c>, else the latest drill plus <c>interval_days</c>), and who is notified.
    /// "Now" comes from the injected clock. Stricter than upstream (docs/design/README.md §4.1): a <c>next_due_at</c> that is present but
    /// not a timestamp string, and present fields of the wrong type, make the schedule invalid with a message naming them.
    /// </summary>
    public sealed class RollbackDrillSchedule : ICanonicalJson
    {
        /// <summary>The summary's message texts (pass and failure wording).</summary>
        public static class Texts
        {
            public const string Success = "Rollback drill schedule is active and notification routes are configured.";
            public const string Active = "Rollback drill schedule is active.";
            public const string Inactive = "rollback drill schedule must set status=active";
            public const string MissingActive = "rollback drill schedule is missing or inactive";
            public const string Cadence = "Rollback drill cadence is configured.";
            public const string NoCadence = "rollback drill schedule must include positive interval_days";
            public const string NextDue = "Next rollback drill due date is known.";
            public const string NoNextDue = "rollback drill schedule must include next_due_at or usable latest drill history";
            public const string NotStale = "Rollback drill schedule is not stale.";
            public const string Stale = "rollback drill schedule is stale and requires notification";
            public const string Notification = "Rollback drill notifications have owners and notification providers.";
            public const string NoNotification = "rollback drill schedule must include owners and notification_providers";
        }

        public const string Schema = "cavra.go-backend-rollback-drill-schedule.v1";

        private RollbackDrillSchedule(bool valid, string schemaVersion, string scheduleId, string environment, string status, bool active,
            bool cadenceValid, object? intervalDays, DateTimeOffset? nextDue, double? daysUntilDue, bool stale, bool dueSoon,
            bool notificationRoutesValid, IReadOnlyList<string> owners, IReadOnlyList<string> notificationProviders, JsonValue ownerRoutes,
            JsonArray maintenanceWindows, JsonObject ownerCalendars, string runbookRef, string message, string activeMessage,
            string cadenceMessage, string nextDueMessage, string staleMessage, string notificationMessage)
        {
            Valid = valid; SchemaVersion = schemaVersion; ScheduleId = scheduleId; Environment = environment; Status = status; Active = active;
            CadenceValid = cadenceValid; IntervalDaysNumber = intervalDays; NextDue = nextDue;
            NextDueAt = nextDue.HasValue ? IsoTimestamp.Format(nextDue.Value) : ""; DaysUntilDue = daysUntilDue; Stale = stale;
            DueSoon = dueSoon; NotificationRoutesValid = notificationRoutesValid; Owners = owners; NotificationProviders = notificationProviders;
            OwnerRoutes = ownerRoutes; MaintenanceWindows = maintenanceWindows; OwnerCalendars = ownerCalendars; RunbookRef = runbookRef;
            Message = message; ActiveMessage = activeMessage; CadenceMessage = cadenceMessage; NextDueMessage = nextDueMessage;
            StaleMessage = staleMessage; NotificationMessage = notificationMessage;
        }

        public bool Valid { get; }
        public string SchemaVersion { get; }
        public string ScheduleId { get; }
        public string Environment { get; }
        public string Status { get; }
        public bool Active { get; }
        public bool CadenceValid { get; }
        public double? IntervalDays => EvidenceShape.ToDouble(IntervalDaysNumber);
        /// <summary>The due instant in UTC, or null when neither next_due_at nor the history gives one.</summary>
        public DateTimeOffset? NextDue { get; }
        /// <summary>Python isoformat of <see cref="NextDue"/> (UTC, +00:00), or "".</summary>
        public string NextDueAt { get; }
        /// <summary>Days until the due instant, rounded to 4 places as Python's round(); negative when overdue; null without a due date.</summary>
        public double? DaysUntilDue { get; }
        public bool Stale { get; }
        public bool DueSoon { get; }
        public bool NotificationRoutesValid { get; }
        public IReadOnlyList<string> Owners { get; }
        public IReadOnlyList<string> NotificationProviders { get; }
        /// <summary>The owner_routes (or routing_rules) object or list as written; an empty list when absent or invalid.</summary>
        public JsonValue OwnerRoutes { get; }
        public JsonArray MaintenanceWindows { get; }
        public JsonObject OwnerCalendars { get; }
        public string RunbookRef { get; }
        public string Message { get; }
        /// <summary>What Format-List and string expansion show: the validation message, not the type name.</summary>
        public override string ToString() => Message;
        public string ActiveMessage { get; }
        public string CadenceMessage { get; }
        public string NextDueMessage { get; }
        public string StaleMessage { get; }
        public string NotificationMessage { get; }

        internal object? IntervalDaysNumber { get; }

        /// <summary>Reads and validates the schedule at <paramref name="path"/> ("" means not configured).</summary>
        public static RollbackDrillSchedule Read(InputFiles files, string path, RollbackDrillHistory history, double dueSoonDays, TimeProvider clock)
        {
            if (files == null) throw new ArgumentNullException(nameof(files));
            return FromDocument(files.ReadObject(path), history, dueSoonDays, clock);
        }

        public static RollbackDrillSchedule FromDocument(JsonFileCheck document, RollbackDrillHistory history, double dueSoonDays, TimeProvider clock)
        {
            if (document == null) throw new ArgumentNullException(nameof(document));
            if (history == null) throw new ArgumentNullException(nameof(history));
            if (clock == null) throw new ArgumentNullException(nameof(clock));
            if (!document.Valid) return Empty(document.Message);

            var o = document.Payload;
            var shape = new EvidenceShape("rollback drill schedule");
            var problems = new List<string>();

            string schema = EvidenceFields.Text(o, "schema_version");
            if (schema != Schema) problems.Add("rollback drill schedule has an invalid schema_version");
            string scheduleId = EvidenceShape.RequiredText(o, "schedule_id", problems,
                "rollback drill schedule must include schedule_id", "rollback drill schedule schedule_id must be a string");
            string runbookRef = EvidenceShape.RequiredText(o, "runbook_ref", problems,
                "rollback drill schedule must include runbook_ref", "rollback drill schedule runbook_ref must be a string");
            bool ownersValid = EvidenceFields.StringList(o, "owners", out var owners) && owners.Count > 0;
            if (!ownersValid) { owners = Array.Empty<string>(); problems.Add("rollback drill schedule owners must be a non-empty list of strings"); }
            bool providersValid = EvidenceFields.StringList(o, "notification_providers", out var providers) && providers.Count > 0;
            if (!providersValid) { providers = Array.Empty<string>(); problems.Add("rollback drill notification_providers must be a non-empty list of strings"); }
            // owner_routes wins whenever the key is present, even as null; routing_rules is the older name.
            JsonValue routes = o.Get("owner_routes") ?? o.Get("routing_rules") ?? JsonArray.Empty;
            if (!(routes is JsonObject || routes is JsonArray))
            {
                routes = JsonArray.Empty;
                problems.Add("rollback drill owner_routes must be an object or list when configured");
            }
            var windowsValue = o.Get("maintenance_windows") ?? JsonArray.Empty;
            var windows = windowsValue as JsonArray;
            if (windows == null) problems.Add("rollback drill maintenance_windows must be a list when configured");
            var calendarsValue = o.Get("owner_calendars") ?? JsonObject.Empty;
            var calendars = calendarsValue as JsonObject;
            if (calendars == null) problems.Add("rollback drill owner_calendars must be an object when configured");

            string environment = shape.OptionalText(o, "environment");
            string status = shape.OptionalText(o, "status");
            bool active = status == "active";
            var interval = EvidenceFields.PositiveNumber(shape.OptionalNumber(o, "interval_days"));
            bool cadenceValid = interval != null;

            DateTimeOffset? nextDue = null;
            var explicitDue = o.Get("next_due_at");
            if (explicitDue != null)
            {
                if (explicitDue is JsonString s && IsoTimestamp.TryParse(s.Value, out var at)) nextDue = at;
                else if (!(explicitDue is JsonString empty && empty.Value.Length == 0))
                    shape.Add("rollback drill schedule next_due_at must be an ISO 8601 timestamp");
            }
            if (nextDue == null && cadenceValid && IsoTimestamp.TryParse(history.LatestExecutedAt, out var latest))
            {
                nextDue = AddDays(latest, EvidenceShape.ToDouble(interval)!.Value);
                if (nextDue == null) shape.Add("rollback drill schedule interval_days puts the next due date out of range");
            }
            problems.AddRange(shape.Messages);

            double? daysUntilDue = null;
            bool stale = true, dueSoon = false;
            if (nextDue.HasValue)
            {
                var now = RollbackDrillHistory.TruncateToMicroseconds(clock.GetUtcNow());
                daysUntilDue = RollbackDrillHistory.DaysBetween(now, nextDue.Value);
                stale = daysUntilDue.Value < 0; // on the rounded value: -0.0 is not stale
                dueSoon = !stale && RollbackDrillHistory.IsPositive(dueSoonDays) && daysUntilDue.Value <= dueSoonDays;
            }

            bool valid = problems.Count == 0 && active && cadenceValid && nextDue.HasValue && !stale;
            bool notificationValid = ownersValid && providersValid;
            return new RollbackDrillSchedule(valid, schema, scheduleId, environment, status, active, cadenceValid, interval, nextDue,
                daysUntilDue, stale, dueSoon, notificationValid, owners, providers, routes, windows ?? JsonArray.Empty,
                calendars ?? JsonObject.Empty, runbookRef,
                problems.Count == 0 ? Texts.Success : string.Join("; ", problems),
                active ? Texts.Active : Texts.Inactive,
                cadenceValid ? Texts.Cadence : Texts.NoCadence,
                nextDue.HasValue ? Texts.NextDue : Texts.NoNextDue,
                stale ? Texts.Stale : Texts.NotStale,
                notificationValid ? Texts.Notification : Texts.NoNotification);
        }

        /// <summary><c>latest + timedelta(days=interval)</c> to the microsecond; null where Python would overflow.</summary>
        private static DateTimeOffset? AddDays(DateTimeOffset start, double days)
        {
            double micros = Math.Round(days * 86400e6, MidpointRounding.ToEven);
            double room = (DateTimeOffset.MaxValue.UtcTicks - start.UtcTicks) / 10.0;
            if (double.IsNaN(micros) || micros > room) return null;
            return start.AddTicks((long)micros * 10);
        }

        private static RollbackDrillSchedule Empty(string message) =>
            new RollbackDrillSchedule(false, "", "", "", "", false, false, null, null, null, true, false, false,
                Array.Empty<string>(), Array.Empty<string>(), JsonArray.Empty, JsonArray.Empty, JsonObject.Empty, "",
                message, Texts.MissingActive, Texts.NoCadence, Texts.NoNextDue, Texts.Stale, Texts.NoNotification);

        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("valid", Valid)
                .Property("schema_version", SchemaVersion)
                .Property("schedule_id", ScheduleId)
                .Property("environment", Environment)
                .Property("status", Status)
                .Property("active", Active)
                .Property("cadence_valid", CadenceValid)
                .Property("interval_days", IntervalDaysNumber)
                .Property("next_due_at", NextDueAt)
                .Property("days_until_due", DaysUntilDue)
                .Property("stale", Stale)
                .Property("due_soon", DueSoon)
                .Property("notification_routes_valid", NotificationRoutesValid)
                .Property("owners", Owners)
                .Property("notification_providers", NotificationProviders)
                .Property("owner_routes", OwnerRoutes)
                .Property("maintenance_windows", MaintenanceWindows)
                .Property("owner_calendars", OwnerCalendars)
                .Property("runbook_ref", RunbookRef)
                .Property("message", Message)
                .Property("active_message", ActiveMessage)
                .Property("cadence_message", CadenceMessage)
                .Property("next_due_message", NextDueMessage)
                .Property("stale_message", StaleMessage)
                .Property("notification_message", NotificationMessage)
                .EndObject();
        }
    }
}
