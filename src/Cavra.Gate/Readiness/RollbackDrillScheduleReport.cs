using System.Collections.Generic;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// Upstream <c>go_rollback_drill_schedule_report</c> (<c>cavra.go-backend-pilot.rollback-drill-schedule.v1</c>, docs/design/readiness.md §8):
    /// when the next rollback drill is due and who is told. Its status is not the all-checks rule: <c>due_soon</c> when the
    /// schedule is valid, not stale and due within <c>rollback_drill_due_soon_days</c>; <c>ready</c> when valid and not stale.
    /// </summary>
    public sealed class RollbackDrillScheduleReport : ReadinessReport
    {
        public const string Schema = "cavra.go-backend-pilot.rollback-drill-schedule.v1";

        private static readonly string[] Notes =
        {
            "Schedule metadata defines when promoted environments must rehearse a rollback to the built-in .NET backend.",
            "Stale or missing schedules should notify release governance through the configured connectors.",
            "Keep connector credentials in CAVRA_CONNECTOR_CONFIG or a private secret store; the schedule must be public-safe.",
        };

        private RollbackDrillScheduleReport(GateConfig config, ReportStatus status, IReadOnlyList<ReadinessCheck> checks,
            RollbackDrillSchedule schedule, RollbackDrillHistory history)
            : base(Schema, "rollback_drill_schedule", config.Mode, status, checks, Notes)
        {
            RollbackDrillSchedulePath = config.RollbackDrillSchedulePath;
            RollbackDrillDueSoonDays = config.RollbackDrillDueSoonDays;
            Schedule = schedule;
            History = history;
        }

        /// <summary>The configured schedule path as written.</summary>
        public string RollbackDrillSchedulePath { get; }
        public double RollbackDrillDueSoonDays { get; }
        public RollbackDrillSchedule Schedule { get; }
        public RollbackDrillHistory History { get; }

        public static RollbackDrillScheduleReport Evaluate(GateContext context)
        {
            var config = context.Config;
            var history = RollbackDrillHistory.Read(context.Files, config.RollbackDrillHistoryPath, config.RollbackDrillMaxAgeDays, context.Clock);
            var schedule = RollbackDrillSchedule.Read(context.Files, config.RollbackDrillSchedulePath, history, config.RollbackDrillDueSoonDays, context.Clock);
            bool requested = config.Mode == BackendMode.Promoted || config.RollbackDrillSchedulePath.Length > 0;
            var checks = new List<ReadinessCheck>
            {
                new ReadinessCheck("go_rollback_drill_schedule_requested", requested,
                    "Recurring rollback drill scheduling is required when CAVRA_GO_BACKEND_MODE=promoted or a drill schedule is configured.",
                    ("mode", CanonicalName.Of(config.Mode))),
                new ReadinessCheck("go_rollback_drill_schedule_file", schedule.Valid, schedule.Message,
                    ("path", config.RollbackDrillSchedulePath), ("schedule_schema", schedule.SchemaVersion)),
                new ReadinessCheck("go_rollback_drill_schedule_active", schedule.Active, schedule.ActiveMessage),
                new ReadinessCheck("go_rollback_drill_schedule_cadence", schedule.CadenceValid, schedule.CadenceMessage,
                    ("interval_days", schedule.IntervalDaysNumber)),
                new ReadinessCheck("go_rollback_drill_schedule_next_due", schedule.NextDueAt.Length > 0, schedule.NextDueMessage,
                    ("next_due_at", schedule.NextDueAt), ("days_until_due", schedule.DaysUntilDue)),
                new ReadinessCheck("go_rollback_drill_schedule_not_stale", !schedule.Stale, schedule.StaleMessage,
                    ("stale", schedule.Stale)),
                new ReadinessCheck("go_rollback_drill_notification_routes", schedule.NotificationRoutesValid, schedule.NotificationMessage,
                    ("notification_providers", schedule.NotificationProviders), ("owners", schedule.Owners)),
            };
            return new RollbackDrillScheduleReport(config, StatusOf(requested, schedule), checks, schedule, history);
        }

        /// <summary>docs/design/readiness.md §8: depends only on requested, valid, stale and due_soon, not on the individual checks.</summary>
        private static ReportStatus StatusOf(bool requested, RollbackDrillSchedule schedule)
        {
            if (!requested) return ReportStatus.NotRequested;
            if (schedule.Valid && !schedule.Stale && schedule.DueSoon) return ReportStatus.DueSoon;
            if (schedule.Valid && !schedule.Stale) return ReportStatus.Ready;
            return ReportStatus.NeedsAttention;
        }

        public override void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("schema_version", SchemaVersion)
                .Property("mode", Mode)
                .Property("status", Status)
                .Property("rollback_drill_schedule_path", RollbackDrillSchedulePath)
                .Property("rollback_drill_due_soon_days", RollbackDrillDueSoonDays)
                .Property("checks", Checks)
                .Property("schedule", Schedule)
                .Property("history", History)
                .Property("operator_notes", OperatorNotes)
                .EndObject();
        }
    }
}
