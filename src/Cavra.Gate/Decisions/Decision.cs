using System;
using System.Collections.Generic;
using System.Text;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;

namespace Cavra.Gate.Decisions
{
    /// <summary>
    /// One decision of the built-in engine: the runtime's <c>Decision</c> (docs/design/decisions.md §2.3) with every metadata
    /// field filled (docs/design/decisions.md §2.3). Immutable. <see cref="WriteJson"/> writes the pilot's decision dict (docs/design/decisions.md §2.4 key
    /// order); <see cref="ToRuntimeJson"/> writes exactly what <c>cavra-runtime</c> prints in one-shot mode.
    /// </summary>
    public sealed class Decision : ICanonicalJson
    {
        public const string Allow = "allow";
        public const string Block = "block";
        public const string RequireApproval = "require_approval";

        internal Decision(string decisionId, string sessionId, string agentId, string actor, string actionType, string target,
            string requestedOperation, string policyPack, string ruleId, string verdict, string severity, string reason,
            IReadOnlyList<string> evidenceRefs, string approverGroup, string timestamp, string correlationId)
        {
            DecisionId = decisionId;
            SessionId = sessionId;
            AgentId = agentId;
            Actor = actor;
            ActionType = actionType;
            Target = target;
            RequestedOperation = requestedOperation;
            PolicyPack = policyPack;
            RuleId = ruleId;
            Verdict = verdict;
            Severity = severity;
            Reason = reason;
            EvidenceRefs = evidenceRefs;
            ApproverGroup = approverGroup;
            Timestamp = timestamp;
            CorrelationId = correlationId;
        }

        /// <summary><c>dec_</c> + 12 lowercase hex characters.</summary>
        public string DecisionId { get; }
        public string SessionId { get; }
        public string AgentId { get; }
        public string Actor { get; }
        public string ActionType { get; }
        public string Target { get; }
        public string RequestedOperation { get; }
        public string PolicyPack { get; }
        /// <summary>Always equal to <see cref="PolicyPack"/>.</summary>
        public string PolicyId => PolicyPack;
        public string RuleId { get; }
        /// <summary><c>allow</c>, <c>block</c> or <c>require_approval</c> (JSON key <c>decision</c>).</summary>
        public string Verdict { get; }
        /// <summary><c>low</c>, <c>medium</c>, <c>high</c> or <c>critical</c>.</summary>
        public string Severity { get; }
        public string Reason { get; }
        /// <summary><c>evidence://&lt;session_id&gt;/&lt;decision_id&gt;</c>.</summary>
        public IReadOnlyList<string> EvidenceRefs { get; }
        /// <summary>"" when none.</summary>
        public string ApproverGroup { get; }
        /// <summary>UTC, Go RFC3339Nano (trailing zeros of the fraction trimmed, <c>Z</c> suffix).</summary>
        public string Timestamp { get; }
        /// <summary><c>corr_</c> + 12 lowercase hex characters.</summary>
        public string CorrelationId { get; }

        public bool IsAllowed => Verdict == Allow;

        /// <summary>
        /// A <c>block</c> decision for a request that could not be evaluated (for example a configured policy that failed to
        /// load), with full metadata so it journals like any other decision. Pack: the request's, else the baseline.
        /// </summary>
        public static Decision FailClosed(ActionRequest request, string ruleId, string severity, string reason, TimeProvider? clock = null)
        {
            request ??= new ActionRequest();
            string pack = request.PolicyPack.Length > 0 ? request.PolicyPack : BuiltInPolicyPacks.Baseline;
            return Create(request, request.ActionType, request.Target, request.EffectiveOperation, pack,
                ruleId ?? "", Block, severity ?? "", reason ?? "", "", clock ?? TimeProvider.System);
        }

        /// <summary>Fills the metadata (docs/design/decisions.md §2.3) around a verdict: defaults, ids, evidence ref, timestamp.</summary>
        internal static Decision Create(ActionRequest request, string actionType, string target, string requested, string pack,
            string ruleId, string verdict, string severity, string reason, string approverGroup, TimeProvider clock)
        {
            string session = request.SessionId.Length > 0 ? request.SessionId : "local";
            string agent = request.AgentId.Length > 0 ? request.AgentId : "unknown-agent";
            string actor = request.Actor.Length > 0 ? request.Actor : "ai-agent";
            string decisionId = DecisionMetadata.NewDecisionId();
            string timestamp = DecisionMetadata.FormatTimestamp(clock.GetUtcNow());
            string correlationId = DecisionMetadata.NewCorrelationId();
            var refs = new SingleItemList("evidence://" + session + "/" + decisionId);
            return new Decision(decisionId, session, agent, actor, actionType, target, requested, pack, ruleId, verdict, severity,
                reason, refs, approverGroup, timestamp, correlationId);
        }

        /// <summary>The pilot's authoritative decision dict (docs/design/decisions.md §2.4): every key, in its order.</summary>
        public void WriteJson(CanonicalJsonWriter writer)
        {
            writer.StartObject()
                .Property("decision_id", DecisionId)
                .Property("session_id", SessionId)
                .Property("agent_id", AgentId)
                .Property("actor", Actor)
                .Property("action_type", ActionType)
                .Property("target", Target)
                .Property("requested_operation", RequestedOperation)
                .Property("policy_pack", PolicyPack)
                .Property("policy_id", PolicyId)
                .Property("rule_id", RuleId)
                .Property("decision", Verdict)
                .Property("severity", Severity)
                .Property("reason", Reason)
                .Property("evidence_refs", EvidenceRefs)
                .Property("approver_group", ApproverGroup)
                .Property("timestamp", Timestamp)
                .Property("correlation_id", CorrelationId)
                .EndObject();
        }

        /// <summary>
        /// What <c>cavra-runtime</c> prints for this decision in one-shot mode (docs/design/decisions.md §2.3): Go struct order, <c>omitempty</c>
        /// keys left out when empty, two-space indent, Go HTML-safe escaping, trailing newline.
        /// </summary>
        public string ToRuntimeJson()
        {
            var sb = new StringBuilder(640);
            sb.Append('{');
            bool first = true;
            void Key(string key)
            {
                sb.Append(first ? "\n  \"" : ",\n  \"").Append(key).Append("\": ");
                first = false;
            }
            void Str(string key, string value, bool omitEmpty)
            {
                if (omitEmpty && value.Length == 0) return;
                Key(key);
                GoJson.AppendString(sb, value, true);
            }
            Str("decision_id", DecisionId, true);
            Str("session_id", SessionId, true);
            Str("agent_id", AgentId, true);
            Str("actor", Actor, true);
            Str("decision", Verdict, false);
            Str("reason", Reason, false);
            Str("action_type", ActionType, false);
            Str("target", Target, false);
            Str("requested_operation", RequestedOperation, false);
            Str("policy_pack", PolicyPack, false);
            Str("policy_id", PolicyId, false);
            Str("rule_id", RuleId, false);
            Str("severity", Severity, false);
            if (EvidenceRefs.Count > 0)
            {
                Key("evidence_refs");
                sb.Append('[');
                for (int i = 0; i < EvidenceRefs.Count; i++)
                {
                    sb.Append(i == 0 ? "\n    " : ",\n    ");
                    GoJson.AppendString(sb, EvidenceRefs[i], true);
                }
                sb.Append("\n  ]");
            }
            Str("approver_group", ApproverGroup, true);
            Str("timestamp", Timestamp, true);
            Str("correlation_id", CorrelationId, true);
            sb.Append(first ? "}\n" : "\n}\n");
            return sb.ToString();
        }

        /// <summary>
        /// What <c>cavra-runtime --serve</c> writes for this decision (docs/design/runtime-protocol.md §3.3): the <c>DecisionResponse</c> key order, every key
        /// omitted when empty, compact, Go HTML-safe escaping, one trailing newline.
        /// </summary>
        public string ToDaemonJson()
        {
            var sb = new StringBuilder(512);
            sb.Append('{');
            bool first = true;
            void Str(string key, string value)
            {
                if (value.Length == 0) return;
                sb.Append(first ? "\"" : ",\"").Append(key).Append("\":");
                first = false;
                GoJson.AppendString(sb, value, true);
            }
            Str("decision_id", DecisionId);
            Str("session_id", SessionId);
            Str("agent_id", AgentId);
            Str("actor", Actor);
            Str("action_type", ActionType);
            Str("target", Target);
            Str("requested_operation", RequestedOperation);
            Str("policy_pack", PolicyPack);
            Str("policy_id", PolicyId);
            Str("rule_id", RuleId);
            Str("decision", Verdict);
            Str("severity", Severity);
            Str("reason", Reason);
            if (EvidenceRefs.Count > 0)
            {
                sb.Append(first ? "\"" : ",\"").Append("evidence_refs\":[");
                first = false;
                for (int i = 0; i < EvidenceRefs.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    GoJson.AppendString(sb, EvidenceRefs[i], true);
                }
                sb.Append(']');
            }
            Str("approver_group", ApproverGroup);
            Str("timestamp", Timestamp);
            Str("correlation_id", CorrelationId);
            sb.Append("}\n");
            return sb.ToString();
        }

        public override string ToString() => $"{Verdict} {RuleId} ({Severity}): {Reason}";
    }
}
