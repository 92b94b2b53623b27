using System.Collections.Generic;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>
    /// Upstream <c>go_promotion_readiness_report</c> (<c>cavra.go-backend-pilot.promotion-readiness.v1</c>, docs/design/readiness.md §4):
    /// runtime readiness, deployment readiness, audited parity evidence and approval, all required for promoted mode.
    /// </summary>
    public sealed class PromotionReadinessReport : ReadinessReport
    {
        public const string Schema = "cavra.go-backend-pilot.promotion-readiness.v1";

        private static readonly string[] Notes =
        {
            "Promoted mode is optional and never the default.",
            "Keep shadow or enforce evidence attached until promoted mode has current audit approval.",
            "Unset CAVRA_GO_BACKEND_MODE or set it to disabled to return every decision to the built-in .NET backend.",
        };

        private PromotionReadinessReport(GateConfig config, ReportStatus status, IReadOnlyList<ReadinessCheck> checks,
            BackendReadinessReport backend, DeploymentReadinessReport deployment, PromotionEvidence evidence)
            : base(Schema, "promotion", config.Mode, status, checks, Notes)
        {
            PromotionEvidencePath = config.PromotionEvidencePath;
            Backend = backend;
            Deployment = deployment;
            Evidence = evidence;
        }

        /// <summary>The configured evidence path as written.</summary>
        public string PromotionEvidencePath { get; }
        public BackendReadinessReport Backend { get; }
        public DeploymentReadinessReport Deployment { get; }
        public PromotionEvidence Evidence { get; }
        public ReportStatus BackendStatus => Backend.Status;
        public ReportStatus DeploymentStatus => Deployment.Status;

        public static PromotionReadinessReport Evaluate(GateContext context)
        {
            var config = context.Config;
            var backend = BackendReadinessReport.Evaluate(context);
            var deployment = DeploymentReadinessReport.Evaluate(context);
            var evidence = PromotionEvidence.Read(context.Files, config.PromotionEvidencePath, config.RuntimePath, config.PolicyPath, context.Clock);
            bool requested = config.Mode == BackendMode.Promoted || config.PromotionEvidencePath.Length > 0;
            var checks = new List<ReadinessCheck>
            {
                new ReadinessCheck("go_promotion_requested", requested,
                    "Promoted mode is requested with CAVRA_GO_BACKEND_MODE=promoted or a configured promotion evidence file.",
                    ("mode", CanonicalName.Of(config.Mode))),
                new ReadinessCheck("go_runtime_ready", backend.Status == ReportStatus.Ready,
                    "Go runtime readiness must be ready before promotion.", ("go_backend_status", backend.Status)),
                new ReadinessCheck("go_deployment_ready", deployment.Status == ReportStatus.Ready,
                    "Go deployment readiness must be ready before promotion.", ("go_deployment_status", deployment.Status)),
                new ReadinessCheck("go_parity_evidence", evidence.Valid, evidence.Message,
                    ("path", config.PromotionEvidencePath), ("evidence_schema", evidence.SchemaVersion)),
                new ReadinessCheck("go_promotion_approval", evidence.Approved, evidence.ApprovalMessage,
                    ("approval_id", evidence.ApprovalId)),
                BindingCheck(evidence, config.RequireBoundEvidence),
            };
            // Measured parity (docs/design/measured-parity.md): only when the evidence names a report or one is required.
            var parityReport = ParityReportCheck.Evaluate(context, evidence);
            if (parityReport != null) checks.Insert(4, parityReport);
            return new PromotionReadinessReport(config, RequestedStatus(requested, checks), checks, backend, deployment, evidence);
        }

        public const string BindingCheckId = "go_promotion_evidence_binding";

        /// <summary>An auditor's flag: evidence without runtime_sha256 and policy_sha256 approves whatever binary and policy
        /// are deployed. Upstream's schema has neither field, so this warns (advisory) unless binding is required
        /// (docs/design/admin-views.md, "Evidence binding").</summary>
        private static ReadinessCheck BindingCheck(PromotionEvidence evidence, bool required)
        {
            var missing = new List<string>(2);
            if (evidence.RuntimeSha256 == null) missing.Add("runtime_sha256");
            if (evidence.PolicySha256 == null) missing.Add("policy_sha256");
            bool bound = evidence.Valid && missing.Count == 0;
            string message = bound
                ? "promotion evidence is bound to the runtime binary and compiled policy it was produced for"
                : !evidence.Valid
                    ? "promotion evidence is not valid, so it is not bound to a runtime binary or compiled policy"
                    : $"promotion evidence is not bound to a binary: it has no {string.Join(" or ", missing)}, so it approves any runtime and policy";
            return new ReadinessCheck(BindingCheckId, bound, advisory: !required, message,
                ("runtime_sha256", evidence.RuntimeSha256 ?? ""), ("policy_sha256", evidence.PolicySha256 ?? ""),
                ("binding_required", required));
        }

        public override void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("schema_version", SchemaVersion)
                .Property("mode", Mode)
                .Property("status", Status)
                .Property("promotion_evidence_path", PromotionEvidencePath)
                .Property("checks", Checks)
                .Property("backend_status", BackendStatus)
                .Property("deployment_status", DeploymentStatus)
                .Property("evidence", Evidence)
                .Property("operator_notes", OperatorNotes)
                .EndObject();
        }
    }
}
