using System;
using System.Collections.Generic;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Evidence
{
    /// <summary>
    /// Upstream <c>_promotion_evidence_summary(path)</c> (docs/design/evidence.md §2): the audited parity, deployment readiness and
    /// approval that promoted mode relies on. Stricter than upstream (docs/design/README.md §4.3): duplicate keys, NaN, invalid UTF-8
    /// and the like make the file invalid; null or a non-string is never a status; and the optional binding fields
    /// <c>generated_at</c>, <c>expires_at</c>, <c>runtime_sha256</c> and <c>policy_sha256</c> are enforced when present
    /// (docs/design/evidence.md §2.1). Files without them are judged exactly as upstream judges them.
    /// </summary>
    public sealed class PromotionEvidence : ICanonicalJson
    {
        public const string Schema = "cavra.go-backend-promotion-evidence.v1";
        public const string SuccessMessage = "Promotion evidence records audited Go parity and deployment readiness.";
        public const string ApprovedMessage = "Promotion approval is recorded.";
        public const string NotApprovedMessage = "promotion evidence must be approved";
        public const string MissingApprovalMessage = "promotion evidence is missing or invalid";
        public const string DifferentRuntimeMessage = "evidence was produced for a different runtime binary";
        public const string DifferentPolicyMessage = "evidence was produced for a different compiled policy";

        /// <summary>How far in the future <c>generated_at</c> may lie (clock skew), as for drill <c>executed_at</c>.</summary>
        public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

        private static readonly string[] BindingKeys = { "generated_at", "expires_at", "runtime_sha256", "policy_sha256", "parity_report_path", "parity_report_sha256" };

        private readonly JsonObject _payload;

        private PromotionEvidence(bool parsed, bool valid, bool approved, string schemaVersion, string approvalId, string message,
            string approvalMessage, IReadOnlyList<string> evidenceRefs, string parityStatus, string deploymentStatus, JsonObject payload)
        {
            Parsed = parsed; Valid = valid; Approved = approved; SchemaVersion = schemaVersion; ApprovalId = approvalId;
            Message = message; ApprovalMessage = approvalMessage; EvidenceRefs = evidenceRefs;
            ParityStatus = parityStatus; DeploymentStatus = deploymentStatus; _payload = payload;
            GeneratedAt = BindingText("generated_at");
            ExpiresAt = BindingText("expires_at");
            RuntimeSha256 = BindingText("runtime_sha256");
            PolicySha256 = BindingText("policy_sha256");
            ParityReportPath = BindingText("parity_report_path");
            ParityReportSha256 = BindingText("parity_report_sha256");
        }

        /// <summary>The file was read and is a JSON object (upstream's "valid file" output shape); false gives the short invalid shape.</summary>
        public bool Parsed { get; }
        public bool Valid { get; }
        public bool Approved { get; }
        public string SchemaVersion { get; }
        public string ApprovalId { get; }
        public string Message { get; }
        /// <summary>What Format-List and string expansion show: the validation message, not the type name.</summary>
        public override string ToString() => Message;
        public string ApprovalMessage { get; }
        public IReadOnlyList<string> EvidenceRefs { get; }
        /// <summary>"" when the file could not be read (the invalid summary has no parity_status key).</summary>
        public string ParityStatus { get; }
        /// <summary>"" when the file could not be read (the invalid summary has no deployment_status key).</summary>
        public string DeploymentStatus { get; }

        /// <summary>The binding fields as written in the file; null when absent or not a JSON string.</summary>
        public string? GeneratedAt { get; }
        public string? ExpiresAt { get; }
        public string? RuntimeSha256 { get; }
        public string? PolicySha256 { get; }
        /// <summary>The parity report the evidence rests on (Measure-CavraGoParity -OutFile), as written; null when none.</summary>
        public string? ParityReportPath { get; }
        public string? ParityReportSha256 { get; }

        /// <summary>Reads and validates the evidence at <paramref name="path"/>; its hashes are checked against the
        /// configured runtime binary and compiled policy (empty when not configured), its times against <paramref name="clock"/>.</summary>
        public static PromotionEvidence Read(InputFiles files, string path, string runtimePath, string policyPath, TimeProvider clock) =>
            FromDocument(files.ReadObject(path), files, runtimePath, policyPath, clock);

        /// <summary>Validates an already read (or in-memory) document, e.g. one about to be written by New-CavraPromotionEvidence.</summary>
        public static PromotionEvidence FromDocument(JsonFileCheck document, InputFiles files, string runtimePath, string policyPath, TimeProvider clock)
        {
            if (document == null) throw new ArgumentNullException(nameof(document));
            if (files == null) throw new ArgumentNullException(nameof(files));
            if (clock == null) throw new ArgumentNullException(nameof(clock));
            if (!document.Valid)
                return new PromotionEvidence(false, false, false, "", "", document.Message, MissingApprovalMessage,
                    Array.Empty<string>(), "", "", JsonObject.Empty);

            var o = document.Payload;
            var problems = new List<string>();
            string schema = EvidenceFields.Text(o, "schema_version");
            string parity = FirstTruthyText(o, "parity_status", "parity", "status");
            string deployment = FirstTruthyText(o, "deployment_status", "deployment", "status");
            bool refsValid = EvidenceFields.StringList(o, "evidence_refs", out var refs);
            if (schema != Schema) problems.Add("promotion evidence has an invalid schema_version");
            if (parity != "pass") problems.Add("promotion evidence must record parity_status=pass");
            if (deployment != "ready") problems.Add("promotion evidence must record deployment_status=ready");
            if (!refsValid) problems.Add("promotion evidence_refs must be a list of strings");
            CheckBinding(o, files, runtimePath ?? "", policyPath ?? "", clock, problems);
            // Every approval field the gate reads has one JSON type; anything else (null, 1, [], {}) is a problem, not a
            // silently ignored value (the plan and drill readers refuse the same shapes).
            var shape = new EvidenceShape("promotion evidence");
            shape.OptionalBool(o, "approved");
            var approvalObject = shape.OptionalObject(o, "approval");
            shape.OptionalText(approvalObject, "status", "approval.status");
            shape.OptionalText(o, "approval_id");
            shape.OptionalText(approvalObject, "approval_id", "approval.approval_id");
            problems.AddRange(shape.Messages);

            bool approved = EvidenceFields.IsTrue(o, "approved")
                || EvidenceFields.Text(EvidenceFields.Object(o, "approval"), "status") == "approved";
            string approvalId = FirstTruthyText(o, "approval_id", "approval", "approval_id");
            bool valid = problems.Count == 0;
            return new PromotionEvidence(true, valid, approved, schema, approvalId,
                valid ? SuccessMessage : string.Join("; ", problems),
                approved ? ApprovedMessage : NotApprovedMessage,
                refs, parity, deployment, o);
        }

        /// <summary>
        /// Upstream's "first truthy of <c>key</c> and <c>nested.nestedKey</c>", where only a JSON string counts as text:
        /// a truthy non-string at the top level is taken (as upstream takes it) and, not being text, gives "".
        /// </summary>
        private static string FirstTruthyText(JsonObject o, string key, string nested, string nestedKey)
        {
            var top = o.Get(key);
            if (top != null && top.IsTruthy) return top is JsonString s ? s.Value : "";
            return EvidenceFields.Text(EvidenceFields.Object(o, nested), nestedKey);
        }

        /// <summary>docs/design/evidence.md §2.1: freshness and the runtime/policy the evidence was produced for.</summary>
        private static void CheckBinding(JsonObject o, InputFiles files, string runtimePath, string policyPath, TimeProvider clock, List<string> problems)
        {
            var now = clock.GetUtcNow();
            if (o.Get("generated_at") is JsonValue generated)
            {
                if (!TryTimestamp(generated, out var at))
                    problems.Add("promotion evidence generated_at is not a valid ISO 8601 timestamp");
                else if (at > now + MaxFutureSkew)
                    problems.Add($"promotion evidence generated_at ({Text(generated)}) is more than 5 minutes in the future");
            }
            if (o.Get("expires_at") is JsonValue expires)
            {
                if (!TryTimestamp(expires, out var at))
                    problems.Add("promotion evidence expires_at is not a valid ISO 8601 timestamp");
                else if (at <= now)
                    problems.Add($"promotion evidence has expired (expires_at {Text(expires)})");
            }
            CheckHash(o, "runtime_sha256", files, runtimePath, "CAVRA_GO_RUNTIME_PATH", "runtime binary", DifferentRuntimeMessage, problems);
            CheckHash(o, "policy_sha256", files, policyPath, "CAVRA_GO_RUNTIME_POLICY", "compiled policy", DifferentPolicyMessage, problems);
            // The report itself is verified by the go_promotion_parity_report check; here only the fields' shape.
            var reportPath = o.Get("parity_report_path");
            var reportHash = o.Get("parity_report_sha256");
            if (reportPath != null && !(reportPath is JsonString p && p.Value.Length > 0))
                problems.Add("promotion evidence parity_report_path must be a non-empty string");
            if (reportHash != null && !(reportHash is JsonString h && IsSha256Hex(h.Value)))
                problems.Add("promotion evidence parity_report_sha256 must be a SHA-256 hex digest");
            if ((reportPath == null) != (reportHash == null))
                problems.Add("promotion evidence must record parity_report_path and parity_report_sha256 together");
        }

        private static void CheckHash(JsonObject o, string key, InputFiles files, string configuredPath, string variable,
            string what, string mismatch, List<string> problems)
        {
            if (!(o.Get(key) is JsonValue value)) return;
            if (!(value is JsonString s) || !IsSha256Hex(s.Value))
            {
                problems.Add($"promotion evidence {key} must be a SHA-256 hex digest");
                return;
            }
            if (configuredPath.Length == 0)
            {
                problems.Add($"promotion evidence {key} cannot be verified: {variable} is not configured");
                return;
            }
            string? actual = files.Sha256(configuredPath);
            if (actual == null)
                problems.Add($"promotion evidence {key} cannot be verified: the {what} is missing or unreadable");
            else if (!string.Equals(actual, s.Value, StringComparison.OrdinalIgnoreCase))
                problems.Add(mismatch);
        }

        private static bool TryTimestamp(JsonValue value, out DateTimeOffset at)
        {
            at = default;
            return value is JsonString s && IsoTimestamp.TryParse(s.Value, out at);
        }

        private static string Text(JsonValue value) => value is JsonString s ? s.Value : "";

        internal static bool IsSha256Hex(string text)
        {
            if (text.Length != 64) return false;
            foreach (char c in text)
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
            return true;
        }

        private string? BindingText(string key) => _payload.Get(key) is JsonString s ? s.Value : null;

        /// <summary>
        /// The summary in upstream's key order: the short shape when the file could not be read, else the full shape,
        /// followed by whichever binding fields the file carries, echoed as written.
        /// </summary>
        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("valid", Valid)
                .Property("approved", Approved)
                .Property("schema_version", SchemaVersion)
                .Property("approval_id", ApprovalId)
                .Property("message", Message)
                .Property("approval_message", ApprovalMessage)
                .Property("evidence_refs", EvidenceRefs);
            if (Parsed)
            {
                w.Property("parity_status", ParityStatus).Property("deployment_status", DeploymentStatus);
                foreach (var key in BindingKeys)
                    if (_payload.Get(key) is JsonValue value) w.Property(key, value);
            }
            w.EndObject();
        }
    }
}
