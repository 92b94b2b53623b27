using System.Collections.Generic;
using Cavra.Gate.Configuration;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// <c>cavra.deployment.production_readiness.v1</c> restricted to what this module can honestly evaluate: the seven
    /// Go backend sections and their seven checks (docs/design/readiness.md §9). Upstream's server checks (OIDC, RBAC, CORS, stores...)
    /// have no equivalent here and are not reported. Evaluated in the configured mode, as the HTTP route is.
    /// </summary>
    public sealed class ProductionReadinessReport : ReadinessReport
    {
        public const string Schema = "cavra.deployment.production_readiness.v1";

        private static readonly string[] Notes =
        {
            "This report covers the Go backend sections only; server checks (identity, RBAC, CORS, stores) are evaluated by the CAVRA server itself.",
            "not_requested sections are acceptable while Go promotion is not configured; needs_attention in any section blocks readiness.",
            "Set CAVRA_GO_BACKEND_MODE=disabled to return every decision to the built-in .NET backend.",
        };

        private ProductionReadinessReport(BackendMode mode, ReportStatus status, IReadOnlyList<ReadinessCheck> checks, BackendReadinessReport pilot,
            DeploymentReadinessReport deployment, PromotionReadinessReport promotion, RollbackReadinessReport rollback,
            RollbackRehearsalReport rehearsal, RollbackDrillHistoryReport history, RollbackDrillScheduleReport schedule)
            : base(Schema, "production", mode, status, checks, Notes)
        {
            Pilot = pilot; Deployment = deployment; Promotion = promotion; Rollback = rollback;
            RollbackRehearsal = rehearsal; RollbackDrillHistory = history; RollbackDrillSchedule = schedule;
        }

        public BackendReadinessReport Pilot { get; }
        public DeploymentReadinessReport Deployment { get; }
        public PromotionReadinessReport Promotion { get; }
        public RollbackReadinessReport Rollback { get; }
        public RollbackRehearsalReport RollbackRehearsal { get; }
        public RollbackDrillHistoryReport RollbackDrillHistory { get; }
        public RollbackDrillScheduleReport RollbackDrillSchedule { get; }

        /// <summary>The checks that block production readiness, each naming its section's status.</summary>
        public IEnumerable<ReadinessCheck> BlockingChecks => FailingChecks;

        public static ProductionReadinessReport Evaluate(GateContext context)
        {
            var ctx = new GateContext(context.Config, context.Files.Snapshot(), context.Clock);
            var promotion = PromotionReadinessReport.Evaluate(ctx);
            var pilot = promotion.Backend;
            var deployment = promotion.Deployment;
            var rollback = RollbackReadinessReport.Evaluate(ctx);
            var rehearsal = RollbackRehearsalReport.Evaluate(ctx);
            var history = RollbackDrillHistoryReport.Evaluate(ctx);
            var schedule = RollbackDrillScheduleReport.Evaluate(ctx);
            string mode = CanonicalName.Of(pilot.Mode);

            ReadinessCheck Section(string id, bool passed, string ok, string bad, string statusKey, ReadinessReport report) =>
                new ReadinessCheck(id, passed, passed ? ok : bad, ("mode", mode), (statusKey, report.Status));

            bool notRequestedOrReady(ReadinessReport r) => r.Status == ReportStatus.NotRequested || r.Status == ReportStatus.Ready;
            var checks = new List<ReadinessCheck>
            {
                Section("go_backend_pilot", pilot.Status == ReportStatus.Disabled || pilot.Status == ReportStatus.Ready,
                    "Go backend pilot is disabled or ready.", "Go backend pilot is enabled but not ready.", "go_backend_status", pilot),
                Section("go_backend_deployment_paths",
                    deployment.Status == ReportStatus.Ready || (pilot.Mode == BackendMode.Disabled && deployment.Status == ReportStatus.NotConfigured),
                    "Go backend deployment metadata is ready or not needed while disabled.", "Go backend deployment metadata needs attention.", "go_deployment_status", deployment),
                Section("go_backend_promotion_gate", notRequestedOrReady(promotion),
                    "Go backend promotion gate is not requested or ready.", "Go backend promotion gate needs attention.", "go_promotion_status", promotion),
                Section("go_backend_rollback_controls", notRequestedOrReady(rollback),
                    "Go backend rollback controls are not requested or ready.", "Go backend rollback controls need attention.", "go_rollback_status", rollback),
                Section("go_backend_rollback_rehearsal", notRequestedOrReady(rehearsal),
                    "Go backend rollback rehearsal is not requested or ready.", "Go backend rollback rehearsal needs attention.", "go_rollback_rehearsal_status", rehearsal),
                Section("go_backend_rollback_drill_history", notRequestedOrReady(history),
                    "Go backend rollback drill history is not requested or ready.", "Go backend rollback drill history needs attention.", "go_rollback_drill_history_status", history),
                // Notification recovery (docs/design/notifications.md §9) is part of the schedule's rule when configured.
                Section("go_backend_rollback_drill_schedule", schedule.Status == ReportStatus.NotRequested || schedule.GatePassed,
                    "Go backend rollback drill schedule is not requested, ready or due soon.", "Go backend rollback drill schedule needs attention.", "go_rollback_drill_schedule_status", schedule),
            };
            var status = ReportStatus.Ready;
            foreach (var c in checks) if (!c.Passed) status = ReportStatus.NeedsAttention;
            return new ProductionReadinessReport(pilot.Mode, status, checks, pilot, deployment, promotion, rollback, rehearsal, history, schedule);
        }

        public override void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("schema_version", SchemaVersion)
                .Property("product", "CAVRA")
                .Property("status", Status)
                .Property("checks", Checks)
                .Property("go_backend_pilot", Pilot)
                .Property("go_backend_deployment", Deployment)
                .Property("go_backend_promotion", Promotion)
                .Property("go_backend_rollback", Rollback)
                .Property("go_backend_rollback_rehearsal", RollbackRehearsal)
                .Property("go_backend_rollback_drill_history", RollbackDrillHistory)
                .Property("go_backend_rollback_drill_schedule", RollbackDrillSchedule)
                .Property("operator_notes", OperatorNotes)
                .EndObject();
        }
    }
}
