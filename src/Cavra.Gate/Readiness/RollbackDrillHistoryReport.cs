using System.Collections.Generic;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// Upstream <c>go_rollback_drill_history_report</c> (<c>cavra.go-backend-pilot.rollback-drill-history.v1</c>, docs/design/readiness.md §7):
    /// the latest real rollback drill passed, returned to the built-in .NET backend within its recovery target, and is fresh.
    /// </summary>
    public sealed class RollbackDrillHistoryReport : ReadinessReport
    {
        public const string Schema = "cavra.go-backend-pilot.rollback-drill-history.v1";

        private static readonly string[] Notes =
        {
            "Rollback drill history is public-safe metadata proving promoted mode can return to the built-in .NET backend only.",
            "Record drills from operational runbooks; never execute a rollback from the browser.",
            "Keep hostnames, private endpoint scripts, secrets and customer details out of drill history.",
        };

        private RollbackDrillHistoryReport(GateConfig config, ReportStatus status, IReadOnlyList<ReadinessCheck> checks, RollbackDrillHistory history)
            : base(Schema, "rollback_drill_history", config.Mode, status, checks, Notes)
        {
            RollbackDrillHistoryPath = config.RollbackDrillHistoryPath;
            RollbackDrillMaxAgeDays = config.RollbackDrillMaxAgeDays;
            History = history;
        }

        /// <summary>The configured history path as written.</summary>
        public string RollbackDrillHistoryPath { get; }
        public double RollbackDrillMaxAgeDays { get; }
        public RollbackDrillHistory History { get; }

        public static RollbackDrillHistoryReport Evaluate(GateContext context)
        {
            var config = context.Config;
            var history = RollbackDrillHistory.Read(context.Files, config.RollbackDrillHistoryPath, config.RollbackDrillMaxAgeDays, context.Clock);
            bool requested = config.Mode == BackendMode.Promoted || config.RollbackDrillHistoryPath.Length > 0;
            var checks = new List<ReadinessCheck>
            {
                new ReadinessCheck("go_rollback_drill_history_requested", requested,
                    "Rollback drill history is required when CAVRA_GO_BACKEND_MODE=promoted or a drill history is configured.",
                    ("mode", CanonicalName.Of(config.Mode))),
                new ReadinessCheck("go_rollback_drill_history_file", history.Valid, history.Message,
                    ("path", config.RollbackDrillHistoryPath), ("history_schema", history.SchemaVersion)),
                new ReadinessCheck("go_rollback_drill_latest_passed", history.LatestStatus == "pass", history.LatestStatusMessage,
                    ("latest_drill_id", history.LatestDrillId)),
                new ReadinessCheck("go_rollback_drill_disabled_target", history.LatestTargetMode == "disabled", history.TargetModeMessage,
                    ("target_mode", history.LatestTargetMode)),
                new ReadinessCheck("go_rollback_drill_fallback_verified", history.FallbackVerified, history.FallbackMessage),
                new ReadinessCheck("go_rollback_drill_recovery_sla", history.RecoverySlaMet, history.RecoveryMessage,
                    ("recovery_minutes", history.RecoveryMinutesNumber), ("max_recovery_minutes", history.MaxRecoveryMinutesNumber)),
                new ReadinessCheck("go_rollback_drill_freshness", history.Fresh, history.FreshnessMessage,
                    ("max_age_days", config.RollbackDrillMaxAgeDays), ("age_days", history.AgeDays)),
            };
            return new RollbackDrillHistoryReport(config, RequestedStatus(requested, checks), checks, history);
        }

        public override void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("schema_version", SchemaVersion)
                .Property("mode", Mode)
                .Property("status", Status)
                .Property("rollback_drill_history_path", RollbackDrillHistoryPath)
                .Property("rollback_drill_max_age_days", RollbackDrillMaxAgeDays)
                .Property("checks", Checks)
                .Property("history", History)
                .Property("operator_notes", OperatorNotes)
                .EndObject();
        }
    }
}
