using System;
using System.Collections.Generic;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Evidence
{
    /// <summary>
    /// Upstream <c>_rollback_rehearsal_summary(path, rollback)</c> (docs/design/evidence.md §4): a simulated rollback that restored the
    /// built-in .NET backend within the plan's recovery target. Stricter than upstream (docs/design/README.md §4.6): the rehearsal may not
    /// declare a larger <c>max_recovery_minutes</c> than the plan (the plan's limit then applies and the rehearsal is invalid),
    /// null is never a <c>runbook_ref</c>, and present fields of the wrong type make the rehearsal invalid.
    /// </summary>
    public sealed class RollbackRehearsal : ICanonicalJson
    {
        /// <summary>The summary's message texts (pass and failure wording).</summary>
        public static class Texts
        {
            public const string Success = "Rollback rehearsal proves restoration of the built-in .NET backend within the approved recovery target.";
            public const string Simulated = "Rollback rehearsal was simulated.";
            public const string NotSimulated = "rollback rehearsal must be marked simulated=true";
            public const string MissingSimulation = "rollback rehearsal evidence is missing or invalid";
            public const string Fallback = "Built-in .NET backend fallback restoration was verified.";
            public const string NoFallback = "rollback rehearsal must verify built-in .NET backend fallback restoration";
            public const string Recovery = "Recovery target was met.";
            public const string NoRecovery = "rollback rehearsal recovery_minutes must be positive and less than or equal to max_recovery_minutes";
            public const string MissingRecovery = "rollback rehearsal must record recovery_minutes within max_recovery_minutes";
            public const string Evidence = "Rollback rehearsal evidence references are recorded.";
            public const string NoEvidence = "rollback rehearsal must include evidence_refs";
        }

        public const string Schema = "cavra.go-backend-rollback-rehearsal.v1";

        private RollbackRehearsal(bool valid, string schemaVersion, string status, string planApprovalId, bool simulated, bool fallbackVerified,
            bool recoverySlaMet, object? recoveryMinutes, object? maxRecoveryMinutes, IReadOnlyList<string> evidenceRefs, string runbookRef,
            string message, string simulationMessage, string fallbackMessage, string recoveryMessage, string evidenceMessage)
        {
            Valid = valid; SchemaVersion = schemaVersion; Status = status; PlanApprovalId = planApprovalId; Simulated = simulated;
            FallbackVerified = fallbackVerified; RecoverySlaMet = recoverySlaMet; RecoveryMinutesNumber = recoveryMinutes;
            MaxRecoveryMinutesNumber = maxRecoveryMinutes; EvidenceRefs = evidenceRefs; RunbookRef = runbookRef; Message = message;
            SimulationMessage = simulationMessage; FallbackMessage = fallbackMessage; RecoveryMessage = recoveryMessage; EvidenceMessage = evidenceMessage;
        }

        public bool Valid { get; }
        public string SchemaVersion { get; }
        public string Status { get; }
        public string PlanApprovalId { get; }
        public bool Simulated { get; }
        public bool FallbackVerified { get; }
        public bool RecoverySlaMet { get; }
        public double? RecoveryMinutes => EvidenceShape.ToDouble(RecoveryMinutesNumber);
        /// <summary>The effective limit: the rehearsal's own when positive (and not above the plan's), else the plan's.</summary>
        public double? MaxRecoveryMinutes => EvidenceShape.ToDouble(MaxRecoveryMinutesNumber);
        public IReadOnlyList<string> EvidenceRefs { get; }
        public string RunbookRef { get; }
        public string Message { get; }
        /// <summary>What Format-List and string expansion show: the validation message, not the type name.</summary>
        public override string ToString() => Message;
        public string SimulationMessage { get; }
        public string FallbackMessage { get; }
        public string RecoveryMessage { get; }
        public string EvidenceMessage { get; }

        /// <summary>As written: long for an integer token, double otherwise, or null.</summary>
        internal object? RecoveryMinutesNumber { get; }
        internal object? MaxRecoveryMinutesNumber { get; }

        /// <summary>Reads and validates the rehearsal at <paramref name="path"/> ("" means not configured) against <paramref name="plan"/>.</summary>
        public static RollbackRehearsal Read(InputFiles files, string path, RollbackPlan plan)
        {
            if (files == null) throw new ArgumentNullException(nameof(files));
            return FromDocument(files.ReadObject(path), plan);
        }

        public static RollbackRehearsal FromDocument(JsonFileCheck document, RollbackPlan plan)
        {
            if (document == null) throw new ArgumentNullException(nameof(document));
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            if (!document.Valid)
                return new RollbackRehearsal(false, "", "", "", false, false, false, null, plan.MaxRecoveryMinutesNumber,
                    Array.Empty<string>(), "", document.Message, Texts.MissingSimulation, Texts.NoFallback, Texts.MissingRecovery, Texts.NoEvidence);

            var o = document.Payload;
            var shape = new EvidenceShape("rollback rehearsal");
            var problems = new List<string>();

            string schema = EvidenceFields.Text(o, "schema_version");
            string status = EvidenceFields.Text(o, "status");
            if (schema != Schema) problems.Add("rollback rehearsal evidence has an invalid schema_version");
            if (status != "pass") problems.Add("rollback rehearsal evidence must record status=pass");
            string runbookRef = EvidenceShape.RequiredText(o, "runbook_ref", problems,
                "rollback rehearsal evidence must include runbook_ref", "rollback rehearsal runbook_ref must be a string");
            bool refsValid = EvidenceFields.StringList(o, "evidence_refs", out var refs) && refs.Count > 0;
            if (!refsValid)
            {
                refs = Array.Empty<string>();
                problems.Add("rollback rehearsal evidence_refs must be a non-empty list of strings");
            }

            string planApprovalId = shape.OptionalText(o, "plan_approval_id");
            string approvalId = shape.OptionalText(o, "approval_id");
            if (planApprovalId.Length == 0) planApprovalId = approvalId;
            string rollbackApprovalId = plan.ApprovalId;
            if (rollbackApprovalId.Length > 0 && planApprovalId != rollbackApprovalId)
                problems.Add("rollback rehearsal plan_approval_id must match the rollback plan approval_id");

            bool simulated = shape.OptionalBool(o, "simulated");
            bool fallbackVerified = shape.OptionalBool(o, "fallback_verified");
            var recovery = EvidenceFields.PositiveNumber(shape.OptionalNumber(o, "recovery_minutes"));
            var ownMax = EvidenceFields.PositiveNumber(shape.OptionalNumber(o, "max_recovery_minutes"));
            var planMax = plan.MaxRecoveryMinutesNumber;
            object? effectiveMax = ownMax ?? planMax;
            if (ownMax != null && planMax != null && EvidenceShape.ToDouble(ownMax) > EvidenceShape.ToDouble(planMax))
            {
                // Stricter than upstream (docs/design/README.md §4.6): the plan's limit is an upper bound and stays the one that applies.
                shape.Add($"rollback rehearsal max_recovery_minutes ({EvidenceShape.Show(ownMax)}) must not exceed the rollback plan's max_recovery_minutes ({EvidenceShape.Show(planMax)})");
                effectiveMax = planMax;
            }
            problems.AddRange(shape.Messages);

            bool recoverySlaMet = recovery != null && effectiveMax != null && EvidenceShape.ToDouble(recovery) <= EvidenceShape.ToDouble(effectiveMax);
            bool valid = problems.Count == 0 && simulated && fallbackVerified && recoverySlaMet;
            return new RollbackRehearsal(valid, schema, status, planApprovalId, simulated, fallbackVerified, recoverySlaMet, recovery, effectiveMax,
                refs, runbookRef, problems.Count == 0 ? Texts.Success : string.Join("; ", problems),
                simulated ? Texts.Simulated : Texts.NotSimulated,
                fallbackVerified ? Texts.Fallback : Texts.NoFallback,
                recoverySlaMet ? Texts.Recovery : Texts.NoRecovery,
                refsValid ? Texts.Evidence : Texts.NoEvidence);
        }

        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("valid", Valid)
                .Property("schema_version", SchemaVersion)
                .Property("status", Status)
                .Property("plan_approval_id", PlanApprovalId)
                .Property("simulated", Simulated)
                .Property("fallback_verified", FallbackVerified)
                .Property("recovery_sla_met", RecoverySlaMet)
                .Property("recovery_minutes", RecoveryMinutesNumber)
                .Property("max_recovery_minutes", MaxRecoveryMinutesNumber)
                .Property("evidence_refs", EvidenceRefs)
                .Property("runbook_ref", RunbookRef)
                .Property("message", Message)
                .Property("simulation_message", SimulationMessage)
                .Property("fallback_message", FallbackMessage)
                .Property("recovery_message", RecoveryMessage)
                .Property("evidence_message", EvidenceMessage)
                .EndObject();
        }
    }
}
