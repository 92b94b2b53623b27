using System.Collections.Generic;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// Upstream <c>go_rollback_readiness_report</c> (<c>cavra.go-backend-pilot.rollback-readiness.v1</c>, docs/design/readiness.md §5):
    /// a documented, approved rollback plan that returns CAVRA to the built-in .NET backend. Check
    /// <c>python_fallback_available</c> is named <c>dotnet_fallback_available</c> here (docs/design/README.md §3.2).
    /// </summary>
    public sealed class RollbackReadinessReport : ReadinessReport
    {
        public const string Schema = "cavra.go-backend-pilot.rollback-readiness.v1";

        private static readonly string[] Notes =
        {
            "Promoted Go backend pilots need a documented path back to the built-in .NET backend only.",
            "The rollback plan is public-safe metadata: keep private keys, secrets and customer data out of it.",
            "Set CAVRA_GO_BACKEND_MODE=disabled to force the built-in .NET backend during a rollback.",
        };

        private RollbackReadinessReport(GateConfig config, ReportStatus status, IReadOnlyList<ReadinessCheck> checks, RollbackPlan rollback)
            : base(Schema, "rollback", config.Mode, status, checks, Notes)
        {
            RollbackPlanPath = config.RollbackPlanPath;
            Rollback = rollback;
        }

        /// <summary>The configured plan path as written.</summary>
        public string RollbackPlanPath { get; }
        public RollbackPlan Rollback { get; }

        public static RollbackReadinessReport Evaluate(GateContext context)
        {
            var config = context.Config;
            var rollback = RollbackPlan.Read(context.Files, config.RollbackPlanPath);
            bool requested = config.Mode == BackendMode.Promoted || config.RollbackPlanPath.Length > 0;
            var checks = new List<ReadinessCheck>
            {
                new ReadinessCheck("go_rollback_requested", requested,
                    "Rollback readiness is required when CAVRA_GO_BACKEND_MODE=promoted or a rollback plan is configured.",
                    ("mode", CanonicalName.Of(config.Mode))),
                new ReadinessCheck("dotnet_fallback_available", true,
                    "The built-in .NET backend can be restored at any time by setting CAVRA_GO_BACKEND_MODE=disabled."),
                new ReadinessCheck("go_rollback_plan", rollback.Valid, rollback.Message,
                    ("path", config.RollbackPlanPath), ("rollback_schema", rollback.SchemaVersion)),
                new ReadinessCheck("go_rollback_approval", rollback.Approved, rollback.ApprovalMessage,
                    ("approval_id", rollback.ApprovalId)),
                new ReadinessCheck("go_rollback_disable_path", rollback.TargetMode == "disabled", rollback.TargetModeMessage,
                    ("target_mode", rollback.TargetMode)),
                new ReadinessCheck("go_rollback_controls", rollback.ControlsValid, rollback.ControlsMessage,
                    ("missing_controls", rollback.MissingControls)),
            };
            return new RollbackReadinessReport(config, RequestedStatus(requested, checks), checks, rollback);
        }

        public override void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("schema_version", SchemaVersion)
                .Property("mode", Mode)
                .Property("status", Status)
                .Property("rollback_plan_path", RollbackPlanPath)
                .Property("checks", Checks)
                .Property("rollback", Rollback)
                .Property("operator_notes", OperatorNotes)
                .EndObject();
        }
    }
}
