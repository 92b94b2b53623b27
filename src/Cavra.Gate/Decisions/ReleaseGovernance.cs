using System;
using System.Collections.Generic;
using Cavra.Gate.Json;

namespace Cavra.Gate.Decisions
{
    /// <summary>
    /// The typed daemon contract <c>ReleaseGovernanceEvidence</c> (docs/design/decisions.md §5.2) and its conversion to a runtime
    /// record (docs/design/decisions.md §5.2): bound with Go semantics (wrong types fail the bind), then flattened to the non-zero fields only.
    /// </summary>
    internal static class ReleaseGovernanceContract
    {
        private enum FieldType { String, Int, Bool, StringList }

        private static readonly (string Name, FieldType Type)[] Fields =
        {
            ("metadata_kind", FieldType.String), ("release_channel", FieldType.String), ("release_version", FieldType.String),
            ("approval_state", FieldType.String), ("approval_id", FieldType.String), ("approval_required_count", FieldType.Int),
            ("delivery_success", FieldType.Bool), ("failed_providers", FieldType.StringList), ("failed_delivery_count", FieldType.Int),
            ("connector_delivery_failure_count", FieldType.Int), ("alert_level", FieldType.String), ("drift_status", FieldType.String),
            ("handoff_status", FieldType.String), ("blocked_count", FieldType.Int), ("critical_count", FieldType.Int),
            ("breached_count", FieldType.Int), ("drifted_endpoint_count", FieldType.Int), ("missing_target_count", FieldType.Int),
            ("evidence_refs", FieldType.StringList), ("connector_delivery_source", FieldType.String), ("verification_status", FieldType.String),
            ("integrity_status", FieldType.String), ("failed_verification_count", FieldType.Int), ("integrity_failure_count", FieldType.Int),
            ("audit_export_status", FieldType.String), ("rollback_reference_count", FieldType.Int),
        };

        /// <summary>
        /// Binds <paramref name="contract"/> as <c>ReleaseGovernanceEvidence</c>. On success <paramref name="record"/> is the
        /// flattened record (non-empty strings, non-zero counts, <c>delivery_success</c> only when true, non-empty lists), or
        /// null when every field is zero.
        /// </summary>
        public static bool TryBind(JsonObject contract, out JsonObject? record, out string? error)
        {
            record = null;
            error = null;
            var strings = new string[Fields.Length];
            var ints = new long[Fields.Length];
            var bools = new bool[Fields.Length];
            var lists = new List<string>?[Fields.Length];
            for (int i = 0; i < strings.Length; i++) strings[i] = "";
            const string S = "EvaluateRequest";

            foreach (var m in contract.Members)
            {
                for (int i = 0; i < Fields.Length; i++)
                {
                    if (!GoJson.KeyMatches(m.Key, Fields[i].Name)) continue;
                    string path = "release_governance." + Fields[i].Name;
                    switch (Fields[i].Type)
                    {
                        case FieldType.String: GoJson.TryString(m.Value, ref strings[i], S, path, ref error); break;
                        case FieldType.Int: GoJson.TryInt(m.Value, ref ints[i], S, path, ref error); break;
                        case FieldType.Bool: GoJson.TryBool(m.Value, ref bools[i], S, path, ref error); break;
                        default: GoJson.TryStringList(m.Value, ref lists[i], S, path, ref error); break;
                    }
                    break;
                }
            }
            if (error != null) return false;

            var members = new List<KeyValuePair<string, JsonValue>>();
            for (int i = 0; i < Fields.Length; i++)
            {
                JsonValue? v = null;
                switch (Fields[i].Type)
                {
                    case FieldType.String: if (strings[i].Length > 0) v = new JsonString(strings[i]); break;
                    case FieldType.Int: if (ints[i] != 0) v = JsonNumber.FromInteger(ints[i]); break;
                    case FieldType.Bool: if (bools[i]) v = JsonBoolean.True; break;
                    default:
                        if (lists[i] != null && lists[i]!.Count > 0)
                        {
                            var items = new List<JsonValue>(lists[i]!.Count);
                            foreach (var s in lists[i]!) items.Add(new JsonString(s));
                            v = new JsonArray(items);
                        }
                        break;
                }
                if (v != null) members.Add(new KeyValuePair<string, JsonValue>(Fields[i].Name, v));
            }
            if (members.Count > 0) record = new JsonObject(members);
            return true;
        }
    }

    /// <summary>
    /// The runtime's release governance rules (<c>release_governance.go</c>, docs/design/decisions.md §5.3): approval state,
    /// delivery failures and critical operational signals of a release artefact's metadata record. Ignores the policy.
    /// </summary>
    internal static class ReleaseGovernanceRules
    {
        public const string ApproverGroup = "Release Governance";

        private static readonly HashSet<string> ApprovalKinds = Set(
            "release-channel-promotion-request", "endpoint-reconciliation-automation", "endpoint-drift-remediation-request",
            "endpoint-drift-remediation-execution", "endpoint-remediation-handoff", "rollout-promotion-execution", "rollout-rollback-execution");

        private static readonly HashSet<string> ExecutionKinds = Set(
            "endpoint-drift-remediation-execution", "rollout-promotion-execution", "rollout-rollback-execution");

        private static readonly HashSet<string> DeliveryKinds = Set(
            "endpoint-management-publication-delivery", "release-connector-delivery");

        private static readonly HashSet<string> KnownKinds = Set(
            "endpoint-inventory-ingestion", "endpoint-inventory-freshness-report", "managed-endpoint-reconciliation",
            "endpoint-management-export", "endpoint-management-publication-delivery", "endpoint-reconciliation-automation",
            "endpoint-drift-remediation-request", "endpoint-drift-remediation-execution", "endpoint-remediation-handoff",
            "endpoint-remediation-handoff-status", "endpoint-remediation-sla-report", "endpoint-remediation-sla-notification-plan",
            "endpoint-remediation-sla-notification-ack", "endpoint-remediation-sla-escalation-plan",
            "endpoint-remediation-sla-escalation-review", "endpoint-remediation-sla-escalation-recurrence-plan",
            "endpoint-remediation-sla-escalation-suppression-audit", "endpoint-remediation-sla-escalation-recurrence-retry-plan",
            "endpoint-remediation-sla-escalation-owner-digest", "endpoint-remediation-sla-escalation-suppression-trend",
            "endpoint-remediation-sla-escalation-recurrence-automation-run",
            "endpoint-remediation-sla-escalation-recurrence-automation-health-alert-plan",
            "endpoint-remediation-sla-escalation-recurrence-automation-health-alert-ack",
            "release-channel-promotion-request", "release-connector-delivery", "rollout-promotion-execution", "rollout-rollback-execution",
            "rollout-evidence-capture", "rollout-evidence-verification", "rollout-artifact-retrieval", "rollout-artifact-integrity",
            "rollout-promotion-audit-export", "rollout-rollback-audit-export");

        private static readonly string[] CriticalCounts =
        {
            "blocked_count", "critical_count", "breached_count", "failed_delivery_count", "connector_delivery_failure_count",
            "failed_verification_count", "integrity_failure_count",
        };

        /// <summary>The verdict part of a release governance decision; the engine adds the request metadata.</summary>
        internal readonly struct Outcome
        {
            public Outcome(string verdict, string reason, string target, string requested, string ruleId, string severity, string approver)
            {
                Verdict = verdict; Reason = reason; Target = target; Requested = requested; RuleId = ruleId; Severity = severity; Approver = approver;
            }
            public string Verdict { get; }
            public string Reason { get; }
            public string Target { get; }
            public string Requested { get; }
            public string RuleId { get; }
            public string Severity { get; }
            public string Approver { get; }
        }

        public static Outcome Evaluate(JsonObject? record, string requestTarget, string operation)
        {
            string kind = StringValue(record, "metadata_kind");
            string target = requestTarget.Length > 0 ? requestTarget : kind.Length > 0 ? kind : "release-governance-record";
            if (record == null || record.Count == 0)
                return new Outcome("require_approval", "Release governance record payload is missing.", target, "verify",
                    "release_governance.record.missing", "medium", ApproverGroup);

            string rawKind = kind;
            if (kind.Length == 0) kind = target;
            string state = ApprovalState(record);
            string approvalId = ApprovalId(record);
            bool needsApproval = IntValue(record, "approval_required_count") > 0 || state.Length > 0 || ApprovalKinds.Contains(kind);
            string requested = operation.Length > 0 ? operation : "verify";

            Outcome Make(string verdict, string reason, string ruleId, string severity, string approver)
                => new Outcome(verdict, reason, target, requested, ruleId, severity, approver);

            switch (state)
            {
                case "approved":
                    if (approvalId.Length == 0 && needsApproval)
                        return Make("block", kind + " is approved but does not include an approval_id.", "release_governance.approval.missing", "critical", ApproverGroup);
                    return Make("allow", kind + " is backed by an approved release governance approval.", "release_governance.approval.approved", "low", "");
                case "pending":
                    return Make("require_approval", kind + " is waiting for release governance approval.", "release_governance.approval.pending", "high", ApproverGroup);
                case "denied":
                case "rejected":
                case "expired":
                case "cancelled":
                case "canceled":
                    return Make("block", kind + " is bound to a non-approved approval state: " + state + ".", "release_governance.approval.denied", "critical", ApproverGroup);
                case "":
                    if (DeliveryKinds.Contains(rawKind) && !BoolValue(record, "delivery_success"))
                        return Make("block", kind + " includes failed release delivery evidence.", "release_governance.delivery.failed", "high", ApproverGroup);
                    if (CriticalSignal(record))
                        return Make("require_approval", kind + " contains critical release governance signals.", "release_governance.signal.critical", "high", ApproverGroup);
                    if (needsApproval)
                    {
                        return ExecutionKinds.Contains(kind)
                            ? Make("block", kind + " requires an approval record before execution.", "release_governance.approval.missing", "critical", ApproverGroup)
                            : Make("require_approval", kind + " requires an approval record before execution.", "release_governance.approval.required", "high", ApproverGroup);
                    }
                    if (KnownKinds.Contains(kind))
                        return Make("allow", kind + " is recognized release governance evidence with no blocking signal.", "release_governance.record.verified", "low", "");
                    return Make("allow", kind + " does not require release governance approval.", "release_governance.approval.not_required", "low", "");
                default:
                    return Make("require_approval", kind + " has an unknown approval state: " + state + ".", "release_governance.approval.unknown", "medium", ApproverGroup);
            }
        }

        private static bool CriticalSignal(JsonObject record)
        {
            string alert = Normalize(StringValue(record, "alert_level"));
            if (alert == "critical" || alert == "blocked" || alert == "breached") return true;
            string drift = Normalize(StringValue(record, "drift_status"));
            if (drift == "drifted" || drift == "non_compliant") return true;
            string handoff = Normalize(StringValue(record, "handoff_status"));
            if (handoff == "blocked" || handoff == "failed") return true;
            string verification = Normalize(StringValue(record, "verification_status"));
            if (verification == "failed" || verification == "blocked" || verification == "mismatch") return true;
            string integrity = Normalize(StringValue(record, "integrity_status"));
            if (integrity == "failed" || integrity == "mismatch" || integrity == "tampered") return true;
            string audit = Normalize(StringValue(record, "audit_export_status"));
            if (audit == "failed" || audit == "blocked") return true;
            foreach (var key in CriticalCounts)
                if (IntValue(record, key) > 0) return true;
            return false;
        }

        private static string ApprovalState(JsonObject record)
        {
            string state = StringValue(record, "approval_state");
            if (state.Length > 0) return Normalize(state);
            return record.Get("approval") is JsonObject approval ? Normalize(StringValue(approval, "state")) : "";
        }

        private static string ApprovalId(JsonObject record)
        {
            string id = StringValue(record, "approval_id");
            if (id.Length > 0) return id;
            return record.Get("approval") is JsonObject approval ? StringValue(approval, "approval_id") : "";
        }

        /// <summary>Go <c>stringValue</c>: exact key; strings trimmed; null/absent ""; anything else <c>fmt.Sprint</c>ed and trimmed.</summary>
        internal static string StringValue(JsonObject? record, string key)
        {
            if (record == null || !record.TryGet(key, out var value) || value.IsNull) return "";
            return GoJson.TrimSpace(value is JsonString s ? s.Value : GoJson.Sprint(value));
        }

        /// <summary>
        /// Go <c>intValue</c>: a JSON number (a float64 in Go) truncated toward zero; anything else 0. Out of int64 range,
        /// Go on amd64 yields the minimum int64 (so such a count is never positive); reproduced here.
        /// </summary>
        internal static long IntValue(JsonObject? record, string key)
        {
            if (record == null || !record.TryGet(key, out var value) || !(value is JsonNumber n)) return 0;
            double d = n.Value;
            if (double.IsNaN(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) return long.MinValue;
            return (long)Math.Truncate(d);
        }

        /// <summary>Go <c>boolValue</c>: JSON true, or a string normalising to true/yes/success/succeeded.</summary>
        internal static bool BoolValue(JsonObject? record, string key)
        {
            if (record == null || !record.TryGet(key, out var value)) return false;
            if (value is JsonBoolean b) return b.Value;
            if (value is JsonString s)
            {
                string v = Normalize(s.Value);
                return v == "true" || v == "yes" || v == "success" || v == "succeeded";
            }
            return false;
        }

        /// <summary>Go <c>normalizeState</c>: TrimSpace, '-' → '_', ToLower (Unicode lower-casing, as Go's strings.ToLower).</summary>
        internal static string Normalize(string value)
        {
            string t = GoJson.TrimSpace(value);
            var chars = t.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (c == '-') chars[i] = '_';
                else if (c >= 'A' && c <= 'Z') chars[i] = (char)(c + 32);
                else if (c == '\u0130') chars[i] = 'i';      // Go: unicode.ToLower(U+0130) is 'i'
                else if (c == '\u212A') chars[i] = 'k';      // Kelvin sign
                else if (c > 0x7F) chars[i] = char.ToLowerInvariant(c);
            }
            return new string(chars);
        }

        private static HashSet<string> Set(params string[] items) => new HashSet<string>(items, StringComparer.Ordinal);
    }
}
