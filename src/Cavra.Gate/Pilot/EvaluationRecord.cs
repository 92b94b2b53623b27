using System;
using System.Collections.Generic;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Pilot
{
    /// <summary>
    /// One pilot evaluation (<c>cavra.go-backend-pilot.evaluation.v1</c>, docs/design/evaluation.md §4) with this project's renames:
    /// <c>selected_backend</c> is "dotnet" or "go" and <c>python_decision</c> is <c>dotnet_decision</c>.
    /// In promoted mode it also carries <see cref="Audit"/>: which approvals and drill the decision path relied on.
    /// </summary>
    public sealed class EvaluationRecord : ICanonicalJson
    {
        public const string Schema = "cavra.go-backend-pilot.evaluation.v1";

        internal EvaluationRecord(string evaluationId, DateTimeOffset evaluatedAt, ActionRequest request, BackendMode mode, Decision dotnetDecision)
        {
            EvaluationId = evaluationId;
            EvaluatedAt = evaluatedAt;
            Request = request;
            BackendMode = mode;
            DotnetDecision = dotnetDecision;
        }

        /// <summary>A unique id for this evaluation, for the audit journal.</summary>
        public string EvaluationId { get; }
        public DateTimeOffset EvaluatedAt { get; }
        public ActionRequest Request { get; }
        public BackendMode BackendMode { get; }
        /// <summary>"dotnet" (the built-in engine, authoritative) or "go".</summary>
        public string SelectedBackend { get; internal set; } = "dotnet";
        public bool FallbackUsed { get; internal set; }
        public string FallbackReason { get; internal set; } = "";
        public bool? ParityMatch { get; internal set; }
        public Decision DotnetDecision { get; }
        /// <summary>The Go runtime's decision verbatim, or null when Go was not called or failed.</summary>
        public JsonObject? GoDecision { get; internal set; }
        public TimeSpan? GoDuration { get; internal set; }
        /// <summary>How the runtime was reached: "one-shot", "daemon", or "" when it was not called. Not part of the JSON
        /// document, which is the same over both transports.</summary>
        public string GoTransport { get; internal set; } = "";
        /// <summary>The pilot's own time for this action: built-in decision, gate, runtime call and parity.</summary>
        public TimeSpan Duration { get; internal set; }
        /// <summary>Why the Go runtime failed (timeout, crash, bad output), or "" when it answered or was not called. Kept
        /// apart from <see cref="FallbackReason"/> so a parity measurement never mistakes a failure for an answer.</summary>
        public string GoFailure { get; internal set; } = "";
        /// <summary>The SHA-256 of the runtime binary, compiled policy and registry this evaluation was made with; null in
        /// disabled mode. Not part of the JSON document; the audit journal records it.</summary>
        public EvaluationInputs? Inputs { get; internal set; }

        /// <summary>The decision that takes effect: the built-in one unless Go was selected.</summary>
        public string Decision => SelectedBackend == "go" && GoDecision != null ? GoText("decision") : DotnetDecision.Verdict;
        public string RuleId => SelectedBackend == "go" && GoDecision != null ? GoText("rule_id") : DotnetDecision.RuleId;
        public string Severity => SelectedBackend == "go" && GoDecision != null ? GoText("severity") : DotnetDecision.Severity;
        public string Reason => SelectedBackend == "go" && GoDecision != null ? GoText("reason") : DotnetDecision.Reason;

        public BackendReadinessReport? Readiness { get; internal set; }
        public PromotionReadinessReport? PromotionReadiness { get; internal set; }
        public RollbackReadinessReport? RollbackReadiness { get; internal set; }
        public RollbackRehearsalReport? RollbackRehearsal { get; internal set; }
        public RollbackDrillHistoryReport? RollbackDrillHistory { get; internal set; }
        public RollbackDrillScheduleReport? RollbackDrillSchedule { get; internal set; }
        /// <summary>Promoted mode only: the evidence the decision path relied on, whether or not Go was selected.</summary>
        public PromotionAudit? Audit { get; internal set; }

        public override string ToString() =>
            $"{Decision} {Request.ActionType} {Request.Target} ({SelectedBackend}{(FallbackUsed ? ", fallback: " + FallbackReason : "")})";

        private string GoText(string key) => GoDecision!.Get(key) is JsonString s ? s.Value : "";

        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("schema_version", Schema)
                .Property("backend_mode", BackendMode)
                .Property("selected_backend", SelectedBackend)
                .Property("fallback_used", FallbackUsed)
                .Property("fallback_reason", FallbackReason)
                .Property("parity_match", ParityMatch)
                .Property("dotnet_decision", DotnetDecision)
                .Property("go_decision", GoDecision)
                .Name("effective_decision");
            if (SelectedBackend == "go" && GoDecision != null) w.WriteValue(GoDecision); else w.WriteValue(DotnetDecision);
            if (Readiness != null) w.Property("readiness", Readiness);
            if (PromotionReadiness != null) w.Property("promotion_readiness", PromotionReadiness);
            if (RollbackReadiness != null) w.Property("rollback_readiness", RollbackReadiness);
            if (RollbackRehearsal != null) w.Property("rollback_rehearsal", RollbackRehearsal);
            if (RollbackDrillHistory != null) w.Property("rollback_drill_history", RollbackDrillHistory);
            if (RollbackDrillSchedule != null) w.Property("rollback_drill_schedule", RollbackDrillSchedule);
            if (Audit != null) w.Property("promotion_audit", Audit);
            w.Property("evaluation_id", EvaluationId).Property("evaluated_at", EvaluatedAt);
            w.EndObject();
        }
    }

    /// <summary>
    /// The files a pilot evaluation depended on, by SHA-256 ("" when not configured or unreadable). Hashed when the pilot
    /// (re)loads its inputs, not per action, and shared by every record made with them.
    /// </summary>
    public sealed class EvaluationInputs
    {
        public EvaluationInputs(string runtimeSha256, string policySha256, string registrySha256)
        {
            RuntimeSha256 = runtimeSha256 ?? "";
            PolicySha256 = policySha256 ?? "";
            RegistrySha256 = registrySha256 ?? "";
        }

        public string RuntimeSha256 { get; }
        public string PolicySha256 { get; }
        public string RegistrySha256 { get; }

        public static readonly EvaluationInputs None = new EvaluationInputs("", "", "");

        /// <summary>For people (Format-List *): which file hashes the evaluation used, shortened; none when nothing was hashed.</summary>
        public override string ToString()
        {
            static string Short(string hex) => hex.Length > 12 ? hex.Substring(0, 12) + "…" : hex;
            var parts = new System.Collections.Generic.List<string>(3);
            if (RuntimeSha256.Length > 0) parts.Add("runtime " + Short(RuntimeSha256));
            if (PolicySha256.Length > 0) parts.Add("policy " + Short(PolicySha256));
            if (RegistrySha256.Length > 0) parts.Add("registry " + Short(RegistrySha256));
            return parts.Count == 0 ? "(no input hashes)" : "sha256 " + string.Join(", ", parts);
        }

        internal static EvaluationInputs Hash(GateConfig config, InputFiles files) => new EvaluationInputs(
            files.Sha256(config.RuntimePath) ?? "", files.Sha256(config.PolicyPath) ?? "", files.Sha256(config.RegistryPath) ?? "");
    }

    /// <summary>The approvals and drill a promoted-mode decision path relied on, recorded on every evaluation.</summary>
    public sealed class PromotionAudit : ICanonicalJson
    {
        internal PromotionAudit(GateVerdict verdict)
        {
            var evidence = verdict.Promotion.Evidence;
            PromotionApprovalId = evidence.ApprovalId;
            PromotionEvidenceRefs = evidence.EvidenceRefs;
            RollbackPlanApprovalId = verdict.Rollback.Rollback.ApprovalId;
            LatestDrillId = verdict.RollbackDrillHistory.History.LatestDrillId;
            GatePassed = verdict.GatePassed;
            FailedStep = verdict.FailedStep;
            GateEvaluatedAt = verdict.EvaluatedAt;
        }

        public string PromotionApprovalId { get; }
        public IReadOnlyList<string> PromotionEvidenceRefs { get; }
        public string RollbackPlanApprovalId { get; }
        public string LatestDrillId { get; }
        public bool GatePassed { get; }
        public GateStep FailedStep { get; }
        public DateTimeOffset GateEvaluatedAt { get; }

        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("promotion_approval_id", PromotionApprovalId)
                .Property("promotion_evidence_refs", PromotionEvidenceRefs)
                .Property("rollback_plan_approval_id", RollbackPlanApprovalId)
                .Property("latest_drill_id", LatestDrillId)
                .Property("gate_passed", GatePassed)
                .Property("failed_step", FailedStep == GateStep.None ? "" : CanonicalName.Of(FailedStep))
                .Property("gate_evaluated_at", GateEvaluatedAt)
                .EndObject();
        }
    }
}
