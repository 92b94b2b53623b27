using System;
using System.Collections.Generic;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Authoring
{
    // Typed inputs for the evidence files the module writes. Each draft builds its document in upstream's key order
    // (examples/evidence/*.json) and validates it with the gate's own validator (FromDocument) before anything is
    // written: a document the gate would reject is never written.

    /// <summary>A <c>cavra.go-backend-promotion-evidence.v1</c> document, bound to a runtime binary and compiled policy (docs/design/evidence.md §2.1).</summary>
    public sealed class PromotionEvidenceDraft
    {
        public string ParityStatus { get; set; } = "";
        public string DeploymentStatus { get; set; } = "";
        public bool Approved { get; set; }
        public string ApprovalId { get; set; } = "";
        public IReadOnlyList<string> EvidenceRefs { get; set; } = Array.Empty<string>();
        public DateTimeOffset GeneratedAt { get; set; }
        public DateTimeOffset ExpiresAt { get; set; }
        /// <summary>Lower-case hex SHA-256 of the runtime binary (see <see cref="BindTo"/>).</summary>
        public string RuntimeSha256 { get; set; } = "";
        public string PolicySha256 { get; set; } = "";
        /// <summary>The parity report the parity status was taken from ("" when typed by hand), and its SHA-256.</summary>
        public string ParityReportPath { get; set; } = "";
        public string ParityReportSha256 { get; set; } = "";

        /// <summary>
        /// Hashes the configured runtime binary and compiled policy into the draft. Returns null, or why one of them
        /// could not be hashed (evidence is never bound to a file that is not there).
        /// </summary>
        public string? BindTo(GateContext context)
        {
            if (context == null) throw new ArgumentNullException(nameof(context));
            string? runtime = context.Files.Sha256(context.Config.RuntimePath);
            if (runtime == null) return Unreadable("runtime binary", context.Config.RuntimePath, "CAVRA_GO_RUNTIME_PATH");
            string? policy = context.Files.Sha256(context.Config.PolicyPath);
            if (policy == null) return Unreadable("compiled policy", context.Config.PolicyPath, "CAVRA_GO_RUNTIME_POLICY");
            RuntimeSha256 = runtime;
            PolicySha256 = policy;
            return null;
        }

        private static string Unreadable(string what, string path, string variable) => path.Length == 0
            ? $"the {what} is not configured ({variable})"
            : $"the {what} '{path}' cannot be read";

        public EvidenceDocument ToDocument() => new EvidenceDocument()
            .Add("schema_version", PromotionEvidence.Schema)
            .Add("parity_status", ParityStatus)
            .Add("deployment_status", DeploymentStatus)
            .Add("approved", Approved)
            .AddIfSet("approval_id", ApprovalId)
            .Add("evidence_refs", EvidenceRefs)
            .Add("generated_at", GeneratedAt)
            .Add("expires_at", ExpiresAt)
            .Add("runtime_sha256", RuntimeSha256)
            .Add("policy_sha256", PolicySha256)
            .AddIfSet("parity_report_path", ParityReportPath)
            .AddIfSet("parity_report_sha256", ParityReportSha256);

        /// <summary>The gate's verdict on the document, hashes checked against <paramref name="context"/>'s runtime and policy.</summary>
        public PromotionEvidence Validate(string path, GateContext context) =>
            PromotionEvidence.FromDocument(JsonFileCheck.Ok(ToDocument().ToJsonObject(), path), context.Files, context.Config.RuntimePath, context.Config.PolicyPath, context.Clock);
    }

    /// <summary>A <c>cavra.go-backend-rollback-plan.v1</c> document: the approved way back to the built-in backend.</summary>
    public sealed class RollbackPlanDraft
    {
        /// <summary>
        /// The five required controls under upstream's identifiers, in upstream's order, so the plan is accepted by
        /// upstream CAVRA as well as here (this gate also accepts dotnet-fallback-available for the first one).
        /// </summary>
        public static readonly IReadOnlyList<string> DefaultControls = new[]
        {
            RollbackPlan.UpstreamFallbackControl, "promoted-mode-disable-tested", "rollback-approval-recorded",
            "operator-runbook-linked", "evidence-capture-enabled",
        };

        public string Status { get; set; } = "ready";
        public string TargetMode { get; set; } = "disabled";
        public bool Approved { get; set; }
        public string ApprovalId { get; set; } = "";
        public double MaxRecoveryMinutes { get; set; }
        public IReadOnlyList<string> Controls { get; set; } = DefaultControls;
        public IReadOnlyList<string> RollbackSteps { get; set; } = Array.Empty<string>();
        public IReadOnlyList<string> EvidenceRefs { get; set; } = Array.Empty<string>();

        public EvidenceDocument ToDocument() => new EvidenceDocument()
            .Add("schema_version", RollbackPlan.Schema)
            .Add("status", Status)
            .Add("target_mode", TargetMode)
            .Add("approved", Approved)
            .Add("approval_id", ApprovalId)
            .Add("max_recovery_minutes", MaxRecoveryMinutes)
            .Add("controls", Controls)
            .Add("rollback_steps", RollbackSteps)
            .Add("evidence_refs", EvidenceRefs);

        public RollbackPlan Validate(string path) => RollbackPlan.FromDocument(JsonFileCheck.Ok(ToDocument().ToJsonObject(), path));

        /// <summary>Why the gate rejects a plan: its message plus the target-mode and controls messages, which upstream keeps apart.</summary>
        public static string Problems(RollbackPlan plan)
        {
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            var parts = new List<string>();
            if (plan.Message != RollbackPlan.Texts.Success) parts.Add(plan.Message);
            if (plan.TargetMode != "disabled") parts.Add(plan.TargetModeMessage);
            if (!plan.ControlsValid) parts.Add(plan.ControlsMessage);
            return string.Join("; ", parts);
        }
    }

    /// <summary>A <c>cavra.go-backend-rollback-rehearsal.v1</c> document, linked to a rollback plan.</summary>
    public sealed class RollbackRehearsalDraft
    {
        public string Status { get; set; } = "";
        public string PlanApprovalId { get; set; } = "";
        public bool Simulated { get; set; }
        public bool FallbackVerified { get; set; }
        public double RecoveryMinutes { get; set; }
        /// <summary>Null: the plan's limit is written.</summary>
        public double? MaxRecoveryMinutes { get; set; }
        public string RunbookRef { get; set; } = "";
        public IReadOnlyList<string> EvidenceRefs { get; set; } = Array.Empty<string>();

        /// <summary>The document for <paramref name="plan"/>: its approval id is linked and, unless given, its recovery limit is written.</summary>
        public EvidenceDocument ToDocument(RollbackPlan plan)
        {
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            var doc = new EvidenceDocument()
                .Add("schema_version", RollbackRehearsal.Schema)
                .Add("status", Status)
                .Add("plan_approval_id", PlanApprovalId.Length > 0 ? PlanApprovalId : plan.ApprovalId)
                .Add("simulated", Simulated)
                .Add("fallback_verified", FallbackVerified)
                .Add("recovery_minutes", RecoveryMinutes);
            double? max = MaxRecoveryMinutes ?? plan.MaxRecoveryMinutes;
            if (max != null) doc.Add("max_recovery_minutes", max.Value);
            return doc.Add("runbook_ref", RunbookRef).Add("evidence_refs", EvidenceRefs);
        }

        public RollbackRehearsal Validate(string path, RollbackPlan plan) =>
            RollbackRehearsal.FromDocument(JsonFileCheck.Ok(ToDocument(plan).ToJsonObject(), path), plan);

        /// <summary>Why the gate rejects a rehearsal: its message plus the simulation, fallback and recovery messages, which upstream keeps apart.</summary>
        public static string Problems(RollbackRehearsal rehearsal)
        {
            if (rehearsal == null) throw new ArgumentNullException(nameof(rehearsal));
            var parts = new List<string>();
            if (rehearsal.Message != RollbackRehearsal.Texts.Success) parts.Add(rehearsal.Message);
            if (!rehearsal.Simulated) parts.Add(rehearsal.SimulationMessage);
            if (!rehearsal.FallbackVerified) parts.Add(rehearsal.FallbackMessage);
            if (!rehearsal.RecoverySlaMet) parts.Add(rehearsal.RecoveryMessage);
            return string.Join("; ", parts);
        }
    }

    /// <summary>One drill of a <c>cavra.go-backend-rollback-drill-history.v1</c> file.</summary>
    public sealed class RollbackDrillDraft
    {
        public string DrillId { get; set; } = "";
        public DateTimeOffset ExecutedAt { get; set; }
        public string Actor { get; set; } = "";
        public string SourceMode { get; set; } = "promoted";
        public string TargetMode { get; set; } = "disabled";
        public string Status { get; set; } = "";
        public bool FallbackVerified { get; set; }
        public double RecoveryMinutes { get; set; }
        public double MaxRecoveryMinutes { get; set; }
        public string RunbookRef { get; set; } = "";
        public IReadOnlyList<string> EvidenceRefs { get; set; } = Array.Empty<string>();

        /// <summary>A fresh drill id: <c>drill_</c> and 12 random hex digits.</summary>
        public static string NewDrillId() => "drill_" + InputFiles.ToHex(Guid.NewGuid().ToByteArray()).Substring(0, 12);

        /// <summary>The drill in upstream's key order; <c>actor</c> only when set.</summary>
        public JsonObject ToJsonObject() => new EvidenceDocument()
            .Add("drill_id", DrillId)
            .Add("executed_at", ExecutedAt)
            .AddIfSet("actor", Actor)
            .Add("source_mode", SourceMode)
            .Add("target_mode", TargetMode)
            .Add("status", Status)
            .Add("fallback_verified", FallbackVerified)
            .Add("recovery_minutes", RecoveryMinutes)
            .Add("max_recovery_minutes", MaxRecoveryMinutes)
            .Add("runbook_ref", RunbookRef)
            .Add("evidence_refs", EvidenceRefs)
            .ToJsonObject();
    }
}
