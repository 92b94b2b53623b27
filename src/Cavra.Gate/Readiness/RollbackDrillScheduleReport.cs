using System.Collections.Generic;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Notifications;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// Upstream <c>go_rollback_drill_schedule_report</c> (<c>cavra.go-backend-pilot.rollback-drill-schedule.v1</c>, docs/design/readiness.md §8):
    /// when the next rollback drill is due and who is told. Its status is not the all-checks rule: <c>due_soon</c> when the
    /// schedule is valid, not stale and due within <c>rollback_drill_due_soon_days</c>; <c>ready</c> when valid and not stale.
    /// <para>When a connector config is configured too, the report adds <c>go_rollback_drill_notification_recovery</c>
    /// (docs/design/notifications.md §9): no provider may have a failed delivery that is neither retried successfully nor
    /// closed. The status rule stays upstream's; the gate and production readiness read <see cref="GatePassed"/>, which also
    /// needs that check, so an unrecovered connector still closes the gate.</para>
    /// </summary>
    public sealed class RollbackDrillScheduleReport : ReadinessReport
    {
        public const string Schema = "cavra.go-backend-pilot.rollback-drill-schedule.v1";
        public const string NotificationRecoveryCheckId = "go_rollback_drill_notification_recovery";

        private static readonly string[] Notes =
        {
            "Schedule metadata defines when promoted environments must rehearse a rollback to the built-in .NET backend.",
            "Stale or missing schedules should notify release governance through the configured connectors.",
            "Keep connector credentials in CAVRA_CONNECTOR_CONFIG or a private secret store; the schedule must be public-safe.",
        };

        private RollbackDrillScheduleReport(GateConfig config, ReportStatus status, IReadOnlyList<ReadinessCheck> checks,
            RollbackDrillSchedule schedule, RollbackDrillHistory history, ReadinessCheck? notificationRecovery)
            : base(Schema, "rollback_drill_schedule", config.Mode, status, checks, Notes)
        {
            NotificationRecovery = notificationRecovery;
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

        /// <summary><c>go_rollback_drill_notification_recovery</c>, or null when no connector config (or no schedule) is configured.</summary>
        public ReadinessCheck? NotificationRecovery { get; }

        /// <summary>The status is ready or due soon and, when configured, the notification recovery check passes: the rule
        /// the gate's schedule step and production readiness apply (docs/design/notifications.md §9).</summary>
        public bool GatePassed => StatusPassed && (NotificationRecovery == null || NotificationRecovery.Passed);

        /// <summary>Upstream's acceptance of the status alone: ready or due soon.</summary>
        public bool StatusPassed => Status == ReportStatus.Ready || Status == ReportStatus.DueSoon;

        /// <summary>What the gate's schedule step names as blocking: with the status fine, only the notification recovery
        /// check can block; otherwise the failing checks.</summary>
        public IReadOnlyList<ReadinessCheck> GateBlockingChecks =>
            StatusPassed && NotificationRecovery != null ? new[] { NotificationRecovery } : new List<ReadinessCheck>(FailingChecks);

        /// <summary>The configured schedule as the report reads it (its due date may come from the drill history), without the
        /// report's checks: what the notification cmdlets plan from, without reading the ledger for a check they discard.</summary>
        public static RollbackDrillSchedule ReadSchedule(GateContext context) => ReadInputs(context).Schedule;

        private static (RollbackDrillHistory History, RollbackDrillSchedule Schedule) ReadInputs(GateContext context)
        {
            var config = context.Config;
            var history = RollbackDrillHistory.Read(context.Files, config.RollbackDrillHistoryPath, config.RollbackDrillMaxAgeDays, context.Clock);
            return (history, RollbackDrillSchedule.Read(context.Files, config.RollbackDrillSchedulePath, history, config.RollbackDrillDueSoonDays, context.Clock));
        }

        public static RollbackDrillScheduleReport Evaluate(GateContext context)
        {
            var config = context.Config;
            var (history, schedule) = ReadInputs(context);
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
            ReadinessCheck? recovery = null;
            if (config.NotificationsConfigured)
            {
                recovery = NotificationRecoveryCheck(context);
                checks.Add(recovery);
            }
            return new RollbackDrillScheduleReport(config, StatusOf(requested, schedule), checks, schedule, history, recovery);
        }

        /// <summary>
        /// docs/design/notifications.md §9. Fails closed: a connector config Send would refuse (not readable), no ledger configured, a ledger line
        /// that cannot be read (it may be a failed delivery) or any provider with an open failure. A ledger that does not
        /// exist yet passes: nothing was ever delivered, so nothing failed.
        /// </summary>
        private static ReadinessCheck NotificationRecoveryCheck(GateContext context)
        {
            var config = context.Config;
            string ledgerPath = config.NotificationLedgerPath;
            // Readable, not Valid: whether each connector's secrets are set is the sender's business (the gate never reads
            // them: the environment it passes resolves nothing), but a config Send would refuse must not hide behind "no failures".
            var connectors = ConnectorConfig.Read(context.Files, config.ConnectorConfigPath, _ => null);
            if (!connectors.Readable)
                return Recovery(false, $"the connector config cannot be used, so no notification can be sent: {connectors.Message}", ledgerPath, 0, new List<ConnectorRecoveryState>());
            if (ledgerPath.Length == 0)
                return Recovery(false, "notification_ledger_path (CAVRA_GO_NOTIFICATION_LEDGER) is not configured: the gate cannot tell whether drill notifications were delivered",
                    ledgerPath, 0, new List<ConnectorRecoveryState>());
            var ledger = NotificationLedger.Read(context.Files, ledgerPath);
            var states = new List<ConnectorRecoveryState>(ConnectorRecoveryState.Compute(ledger, context.Clock.GetUtcNow()));
            int open = 0;
            var failing = new List<string>();
            foreach (var s in states)
            {
                open += s.OpenFailures;
                if (s.OpenFailures > 0) failing.Add($"{s.Provider} ({s.OpenFailures} open)");
            }
            if (ledger.Problems.Count > 0)
            {
                var first = ledger.Problems[0];
                string more = ledger.Problems.Count > 1 ? $" (and {ledger.Problems.Count - 1} more)" : "";
                return Recovery(false, $"the notification ledger cannot be trusted, a line may hide a failed delivery: {first}{more}", ledgerPath, open, states);
            }
            if (!ledger.Exists)
                return Recovery(true, "No drill notification delivery is recorded yet: the notification ledger does not exist.", ledgerPath, 0, states);
            if (failing.Count > 0)
                return Recovery(false, "drill notification deliveries failed and are neither retried successfully nor closed: " + string.Join(", ", failing),
                    ledgerPath, open, states);
            return Recovery(true, "Every drill notification provider has recovered: no failed delivery is left open.", ledgerPath, 0, states);
        }

        private static ReadinessCheck Recovery(bool passed, string message, string ledgerPath, int open, List<ConnectorRecoveryState> states) =>
            new ReadinessCheck(NotificationRecoveryCheckId, passed, message, ("path", ledgerPath), ("open_failures", open), ("providers", states));

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
