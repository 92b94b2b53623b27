using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;

namespace Cavra.Gate.Runtime
{
    /// <summary>
    /// The daemon's wire contract (docs/design/runtime-protocol.md §3.2). A request goes to the daemon only when the contract
    /// carries it faithfully, i.e. when the runtime builds the same <c>Request</c> from the daemon payload as from the
    /// one-shot payload; anything else (every MCP call, a record the typed contract cannot hold, …) goes one-shot, so
    /// the transport never silently changes a decision.
    /// </summary>
    public static class DaemonContract
    {
        /// <summary>The readiness probe of <c>--lifecycle</c> (docs/design/runtime-protocol.md §3.1): any decodable answer means "responsive".</summary>
        public const string ProbeRequest = "{\"action_type\":\"execute_command\",\"target\":\"terraform plan\",\"requested_operation\":\"terraform plan\"}";

        /// <summary>The release_governance fields (docs/design/decisions.md §5.2) with their Go types, in contract order.</summary>
        private static readonly Dictionary<string, char> ContractFields = new Dictionary<string, char>(StringComparer.Ordinal)
        {
            ["metadata_kind"] = 's', ["release_channel"] = 's', ["release_version"] = 's', ["approval_state"] = 's', ["approval_id"] = 's',
            ["approval_required_count"] = 'i', ["delivery_success"] = 'b', ["failed_providers"] = 'l', ["failed_delivery_count"] = 'i',
            ["connector_delivery_failure_count"] = 'i', ["alert_level"] = 's', ["drift_status"] = 's', ["handoff_status"] = 's',
            ["blocked_count"] = 'i', ["critical_count"] = 'i', ["breached_count"] = 'i', ["drifted_endpoint_count"] = 'i',
            ["missing_target_count"] = 'i', ["evidence_refs"] = 'l', ["connector_delivery_source"] = 's', ["verification_status"] = 's',
            ["integrity_status"] = 's', ["failed_verification_count"] = 'i', ["integrity_failure_count"] = 'i',
            ["audit_export_status"] = 's', ["rollback_reference_count"] = 'i',
        };

        /// <summary>One-shot <c>Decision</c> key order (docs/design/decisions.md §2.3) and whether the key is always emitted.</summary>
        private static readonly (string Key, bool Always)[] DecisionKeys =
        {
            ("decision_id", false), ("session_id", false), ("agent_id", false), ("actor", false), ("decision", true), ("reason", true),
            ("action_type", true), ("target", true), ("requested_operation", true), ("policy_pack", true), ("policy_id", true),
            ("rule_id", true), ("severity", true), ("evidence_refs", false), ("approver_group", false), ("timestamp", false),
            ("correlation_id", false),
        };

        /// <summary>
        /// The <c>EvaluateRequest</c> for <paramref name="request"/> as compact JSON, or false with the reason it cannot be
        /// carried faithfully:
        /// <list type="bullet">
        /// <item>a typed <c>release_governance</c> that binds: the seven scalars and the object as given (one-shot mode
        /// decodes such a request as the contract too, docs/design/decisions.md §2.1); one that does not bind goes one-shot (the daemon would not answer);</item>
        /// <item><c>mcp_tool_call</c>, or any <c>server</c>/<c>tool</c>/<c>capability</c>: not in the contract;</item>
        /// <item><c>operation</c> travels as <c>requested_operation</c> (the runtime uses the first non-empty of the two);</item>
        /// <item>a free-form <c>record</c> travels as <c>release_governance</c> only when every member is a contract field
        /// (exact name), of the contract type and non-zero, so the daemon's flattened record (docs/design/decisions.md §5.2) is the same map;
        /// never with an empty action type (the daemon would turn it into a release governance record).</item>
        /// </list>
        /// </summary>
        public static bool TryMap(ActionRequest request, out string payload, out string notCarried)
        {
            payload = "";
            notCarried = "";
            JsonObject? governance;
            string requested;
            if (request.ReleaseGovernance != null)
            {
                if (!ReleaseGovernanceContract.TryBind(request.ReleaseGovernance, out _, out var bindError))
                {
                    notCarried = "release_governance does not bind as the daemon contract: " + bindError;
                    return false;
                }
                governance = request.ReleaseGovernance;
                requested = request.RequestedOperation; // one-shot decodes this request as the contract too: operation is dropped
            }
            else
            {
                if (request.ActionType == DecisionEngine.McpToolCall)
                {
                    notCarried = "mcp_tool_call needs server, tool and capability, which the daemon contract does not carry";
                    return false;
                }
                if (request.Server.Length > 0 || request.Tool.Length > 0 || request.Capability.Length > 0)
                {
                    notCarried = "the daemon contract has no server, tool or capability";
                    return false;
                }
                requested = request.Operation.Length > 0 ? request.Operation : request.RequestedOperation;
                governance = null;
                if (request.Record != null)
                {
                    if (request.ActionType.Length == 0)
                    {
                        notCarried = "a record without an action type would become a release governance record in the daemon";
                        return false;
                    }
                    if (!RecordFitsContract(request.Record, out var why))
                    {
                        notCarried = "the record cannot travel as the typed release_governance contract: " + why;
                        return false;
                    }
                    governance = request.Record;
                }
            }

            var sb = new StringBuilder(256);
            sb.Append('{');
            bool first = true;
            void Str(string key, string value)
            {
                if (value.Length == 0) return;
                sb.Append(first ? "\"" : ",\"").Append(key).Append("\":");
                first = false;
                GoJson.AppendString(sb, value, true);
            }
            Str("session_id", request.SessionId);
            Str("agent_id", request.AgentId);
            Str("actor", request.Actor);
            Str("action_type", request.ActionType);
            Str("target", request.Target);
            Str("requested_operation", requested);
            Str("policy_pack", request.PolicyPack);
            if (governance != null)
            {
                sb.Append(first ? "\"" : ",\"").Append("release_governance\":");
                GoJson.AppendCompact(sb, governance);
            }
            sb.Append('}');
            payload = sb.ToString();
            return true;
        }

        private static bool RecordFitsContract(JsonObject record, out string why)
        {
            why = "";
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var m in record.Members)
            {
                if (!seen.Add(m.Key)) { why = $"'{m.Key}' appears twice"; return false; }
                if (!ContractFields.TryGetValue(m.Key, out char type)) { why = $"'{m.Key}' is not a contract field"; return false; }
                bool ok;
                switch (type)
                {
                    case 's': ok = m.Value is JsonString s && s.Value.Length > 0; break;
                    case 'b': ok = m.Value.IsTrue; break;
                    case 'i':
                        ok = m.Value is JsonNumber n && n.IsInteger && long.TryParse(n.Raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) && v != 0;
                        break;
                    default:
                        ok = m.Value is JsonArray a && a.Count > 0;
                        if (ok) foreach (var item in ((JsonArray)m.Value).Items) if (!(item is JsonString)) ok = false;
                        break;
                }
                if (!ok) { why = $"'{m.Key}' is empty, zero or not of the contract type"; return false; }
            }
            return true;
        }

        /// <summary>
        /// The daemon's <c>DecisionResponse</c> (docs/design/runtime-protocol.md §3.3: other key order, every key omitted when empty) in the one-shot
        /// <c>Decision</c> shape (docs/design/decisions.md §2.3): the same key order, and the always-present keys restored as "" when the daemon
        /// left them out. Both are the same Go values; normalising keeps the evaluation record independent of the
        /// transport. Keys outside the contract are kept, after the known ones, in the order received.
        /// </summary>
        public static JsonObject NormalizeReply(JsonObject reply)
        {
            var members = new List<KeyValuePair<string, JsonValue>>(reply.Count + 4);
            foreach (var (key, always) in DecisionKeys)
            {
                if (reply.TryGet(key, out var value)) members.Add(new KeyValuePair<string, JsonValue>(key, value));
                else if (always) members.Add(new KeyValuePair<string, JsonValue>(key, new JsonString("")));
            }
            foreach (var m in reply.Members)
            {
                bool known = false;
                foreach (var (key, _) in DecisionKeys) if (key == m.Key) { known = true; break; }
                if (!known) members.Add(m);
            }
            return new JsonObject(members);
        }
    }
}
