using System.Collections.Generic;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// Upstream <c>go_rollback_rehearsal_report</c> (<c>cavra.go-backend-pilot.rollback-rehearsal.v1</c>, docs/design/readiness.md §6):
    /// a simulated rollback proved the built-in .NET backend comes back within the plan's recovery target. The plan is
    /// read to link approval and recovery limit, and is not part of the output (as upstream).
    /// </summary>
    public sealed class RollbackRehearsalReport : ReadinessReport
    {
        public const string Schema = "cavra.go-backend-pilot.rollback-rehearsal.v1";

        private static readonly string[] Notes =
        {
            "Run rollback rehearsals outside the console and attach public-safe evidence metadata.",
            "Rehearsals must prove promoted mode can return to the built-in .NET backend only within the approved recovery target.",
            "Keep secrets, customer data and private endpoint scripts out of rehearsal evidence.",
        };

        private RollbackRehearsalReport(GateConfig config, ReportStatus status, IReadOnlyList<ReadinessCheck> checks,
            RollbackRehearsal rehearsal, RollbackPlan plan)
            : base(Schema, "rollback_rehearsal", config.Mode, status, checks, Notes)
        {
            RollbackRehearsalPath = config.RollbackRehearsalPath;
            Rehearsal = rehearsal;
            Plan = plan;
        }

        /// <summary>The configured rehearsal path as written.</summary>
        public string RollbackRehearsalPath { get; }
        public RollbackRehearsal Rehearsal { get; }
        /// <summary>The rollback plan the rehearsal was judged against (not written to JSON).</summary>
        public RollbackPlan Plan { get; }

        public static RollbackRehearsalReport Evaluate(GateContext context)
        {
            var config = context.Config;
            var plan = RollbackPlan.Read(context.Files, config.RollbackPlanPath);
            var rehearsal = RollbackRehearsal.Read(context.Files, config.RollbackRehearsalPath, plan);
            bool requested = config.Mode == BackendMode.Promoted || config.RollbackRehearsalPath.Length > 0;
            var checks = new List<ReadinessCheck>
            {
                new ReadinessCheck("go_rollback_rehearsal_requested", requested,
                    "Rollback rehearsal evidence is required when CAVRA_GO_BACKEND_MODE=promoted or rehearsal evidence is configured.",
                    ("mode", CanonicalName.Of(config.Mode))),
                new ReadinessCheck("go_rollback_rehearsal_evidence", rehearsal.Valid, rehearsal.Message,
                    ("path", config.RollbackRehearsalPath), ("rehearsal_schema", rehearsal.SchemaVersion)),
                new ReadinessCheck("go_rollback_rehearsal_simulated", rehearsal.Simulated, rehearsal.SimulationMessage),
                new ReadinessCheck("go_rollback_rehearsal_fallback_verified", rehearsal.FallbackVerified, rehearsal.FallbackMessage),
                new ReadinessCheck("go_rollback_rehearsal_recovery_sla", rehearsal.RecoverySlaMet, rehearsal.RecoveryMessage,
                    ("recovery_minutes", rehearsal.RecoveryMinutesNumber), ("max_recovery_minutes", rehearsal.MaxRecoveryMinutesNumber)),
                new ReadinessCheck("go_rollback_rehearsal_evidence_refs", rehearsal.EvidenceRefs.Count > 0, rehearsal.EvidenceMessage,
                    ("evidence_refs", rehearsal.EvidenceRefs)),
            };
            return new RollbackRehearsalReport(config, RequestedStatus(requested, checks), checks, rehearsal, plan);
        }

        public override void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("schema_version", SchemaVersion)
                .Property("mode", Mode)
                .Property("status", Status)
                .Property("rollback_rehearsal_path", RollbackRehearsalPath)
                .Property("checks", Checks)
                .Property("rehearsal", Rehearsal)
                .Property("operator_notes", OperatorNotes)
                .EndObject();
        }
    }
}
