using System.Collections.Generic;
using System.Text;
using Cavra.Gate.Json;

namespace Cavra.Gate.Decisions
{
    /// <summary>
    /// One agent action to decide: the runtime <c>Request</c> (docs/design/decisions.md §2.1) plus the daemon contract's typed
    /// <c>release_governance</c> payload (docs/design/decisions.md §5.2). String properties are never null ("" when absent; assigning null stores "").
    /// </summary>
    public sealed class ActionRequest
    {
        private string _sessionId = "", _agentId = "", _actor = "", _actionType = "", _target = "", _operation = "",
            _requestedOperation = "", _policyPack = "", _server = "", _tool = "", _capability = "";

        public string SessionId { get => _sessionId; set => _sessionId = value ?? ""; }
        public string AgentId { get => _agentId; set => _agentId = value ?? ""; }
        public string Actor { get => _actor; set => _actor = value ?? ""; }
        public string ActionType { get => _actionType; set => _actionType = value ?? ""; }
        public string Target { get => _target; set => _target = value ?? ""; }
        public string Operation { get => _operation; set => _operation = value ?? ""; }
        public string RequestedOperation { get => _requestedOperation; set => _requestedOperation = value ?? ""; }
        public string PolicyPack { get => _policyPack; set => _policyPack = value ?? ""; }
        public string Server { get => _server; set => _server = value ?? ""; }
        public string Tool { get => _tool; set => _tool = value ?? ""; }
        public string Capability { get => _capability; set => _capability = value ?? ""; }

        /// <summary>The free-form release governance record (runtime <c>record</c>, docs/design/decisions.md §5.1).</summary>
        public JsonObject? Record { get; set; }

        /// <summary>
        /// The typed contract <c>release_governance</c> (docs/design/decisions.md §5.2). When it is set and binds as the typed contract, the request is
        /// evaluated the way the runtime's one-shot mode converts a contract request (docs/design/decisions.md §5.2): only the seven contract
        /// scalars count (<see cref="Operation"/>, <see cref="Server"/>, <see cref="Tool"/>, <see cref="Capability"/> and
        /// <see cref="Record"/> are dropped), the non-zero fields become the record, and an empty action type becomes
        /// <c>release_governance_record</c> when that record is non-empty. When it does not bind (a type error such as
        /// <c>"blocked_count":"1"</c>) it is ignored and the request is evaluated as a runtime request.
        /// </summary>
        public JsonObject? ReleaseGovernance { get; set; }

        /// <summary>The runtime's "operation": <see cref="Operation"/>, else <see cref="RequestedOperation"/>, else <see cref="Capability"/>.</summary>
        public string EffectiveOperation => _operation.Length > 0 ? _operation : _requestedOperation.Length > 0 ? _requestedOperation : _capability;

        /// <summary>
        /// Binds a request document the way the runtime's one-shot mode does (docs/design/decisions.md §2.1): first as the daemon contract
        /// <c>EvaluateRequest</c>; if that binds and carries a non-null <c>release_governance</c>, the contract request is
        /// used. Otherwise as the runtime <c>Request</c>. Go <c>encoding/json</c> semantics: keys match case-insensitively,
        /// unknown keys are ignored, null leaves a string empty, a number where a string is expected (or any other wrong
        /// type) is an error, a top-level <c>null</c> is an empty request.
        /// </summary>
        public static bool TryParse(JsonValue json, out ActionRequest request, out string error)
        {
            request = new ActionRequest();
            error = "";
            if (json == null) { error = "request is missing"; return false; }

            if (TryBindContract(json, out var contract, out _) && contract.ReleaseGovernance != null)
            {
                request = contract;
                return true;
            }
            return TryBindRuntime(json, out request, out error);
        }

        /// <summary>
        /// Binds a request document the way the runtime's daemon does (docs/design/runtime-protocol.md §3.2): as the contract <c>EvaluateRequest</c>
        /// only. <c>operation</c>, <c>server</c>, <c>tool</c>, <c>capability</c> and <c>record</c> are not in the contract and are
        /// dropped; a wrong type anywhere (including inside <c>release_governance</c> or <c>runner_auth</c>) is a decode
        /// error, on which the daemon closes the connection without answering.
        /// </summary>
        public static bool TryParseContract(JsonValue json, out ActionRequest request, out string error)
        {
            error = "";
            if (json == null) { request = new ActionRequest(); error = "request is missing"; return false; }
            if (TryBindContract(json, out request, out error)) return true;
            request = new ActionRequest();
            return false;
        }

        /// <summary>
        /// The request as the runtime's one-shot stdin payload: compact JSON of the non-empty fields in docs/design/decisions.md §2.1 order
        /// (then <c>record</c> and <c>release_governance</c>), Go escaping, valid UTF-8 when encoded (lone surrogates are
        /// written as U+FFFD). Encode it as UTF-8 without a byte-order mark.
        /// </summary>
        public string ToRuntimeJson()
        {
            var sb = new StringBuilder(256);
            sb.Append('{');
            bool first = true;
            void Str(string key, string value)
            {
                if (value.Length == 0) return;
                if (!first) sb.Append(',');
                first = false;
                sb.Append('"').Append(key).Append("\":");
                GoJson.AppendString(sb, value, true);
            }
            void Obj(string key, JsonObject? value)
            {
                if (value == null) return;
                if (!first) sb.Append(',');
                first = false;
                sb.Append('"').Append(key).Append("\":");
                GoJson.AppendCompact(sb, value);
            }
            Str("session_id", _sessionId);
            Str("agent_id", _agentId);
            Str("actor", _actor);
            Str("action_type", _actionType);
            Str("target", _target);
            Str("operation", _operation);
            Str("requested_operation", _requestedOperation);
            Str("policy_pack", _policyPack);
            Str("server", _server);
            Str("tool", _tool);
            Str("capability", _capability);
            Obj("record", Record);
            Obj("release_governance", ReleaseGovernance);
            sb.Append('}');
            return sb.ToString();
        }

        public override string ToString() => ToRuntimeJson();

        /// <summary>A field-by-field copy (the JSON objects are immutable and shared).</summary>
        public ActionRequest Clone() => (ActionRequest)MemberwiseClone();

        // ---- binding ------------------------------------------------------------------------------------------------

        /// <summary>The daemon contract <c>EvaluateRequest</c>: seven scalars, <c>release_governance</c>, <c>runner_auth</c>.</summary>
        private static bool TryBindContract(JsonValue json, out ActionRequest request, out string error)
        {
            request = new ActionRequest();
            error = "";
            if (json.IsNull) return true;
            if (!(json is JsonObject root)) { error = GoJson.ValueTypeError(json, "v1.EvaluateRequest"); return false; }
            string? err = null;
            const string S = "EvaluateRequest";
            JsonObject? governance = null;
            foreach (var m in root.Members)
            {
                string key = m.Key;
                JsonValue v = m.Value;
                if (GoJson.KeyMatches(key, "session_id")) GoJson.TryString(v, ref request._sessionId, S, "session_id", ref err);
                else if (GoJson.KeyMatches(key, "agent_id")) GoJson.TryString(v, ref request._agentId, S, "agent_id", ref err);
                else if (GoJson.KeyMatches(key, "actor")) GoJson.TryString(v, ref request._actor, S, "actor", ref err);
                else if (GoJson.KeyMatches(key, "action_type")) GoJson.TryString(v, ref request._actionType, S, "action_type", ref err);
                else if (GoJson.KeyMatches(key, "target")) GoJson.TryString(v, ref request._target, S, "target", ref err);
                else if (GoJson.KeyMatches(key, "requested_operation")) GoJson.TryString(v, ref request._requestedOperation, S, "requested_operation", ref err);
                else if (GoJson.KeyMatches(key, "policy_pack")) GoJson.TryString(v, ref request._policyPack, S, "policy_pack", ref err);
                else if (GoJson.KeyMatches(key, "release_governance"))
                {
                    if (v.IsNull) governance = null; // a pointer: null resets it
                    else if (v is JsonObject o)
                    {
                        if (!ReleaseGovernanceContract.TryBind(o, out _, out var e)) err ??= e;
                        governance = Merge(governance, o);
                    }
                    else err ??= GoJson.TypeError(v, S, "release_governance", "v1.ReleaseGovernanceEvidence");
                }
                else if (GoJson.KeyMatches(key, "runner_auth"))
                {
                    if (!RunnerAuthShape.IsValid(v, out var e)) err ??= e;
                }
            }
            request.ReleaseGovernance = governance;
            error = err ?? "";
            return err == null;
        }

        /// <summary>The runtime <c>Request</c>: eleven strings and the free-form <c>record</c> map.</summary>
        private static bool TryBindRuntime(JsonValue json, out ActionRequest request, out string error)
        {
            request = new ActionRequest();
            error = "";
            if (json.IsNull) return true;
            if (!(json is JsonObject root)) { error = GoJson.ValueTypeError(json, "runtime.Request"); return false; }
            string? err = null;
            const string S = "Request";
            JsonObject? record = null;
            foreach (var m in root.Members)
            {
                string key = m.Key;
                JsonValue v = m.Value;
                if (GoJson.KeyMatches(key, "session_id")) GoJson.TryString(v, ref request._sessionId, S, "session_id", ref err);
                else if (GoJson.KeyMatches(key, "agent_id")) GoJson.TryString(v, ref request._agentId, S, "agent_id", ref err);
                else if (GoJson.KeyMatches(key, "actor")) GoJson.TryString(v, ref request._actor, S, "actor", ref err);
                else if (GoJson.KeyMatches(key, "action_type")) GoJson.TryString(v, ref request._actionType, S, "action_type", ref err);
                else if (GoJson.KeyMatches(key, "target")) GoJson.TryString(v, ref request._target, S, "target", ref err);
                else if (GoJson.KeyMatches(key, "operation")) GoJson.TryString(v, ref request._operation, S, "operation", ref err);
                else if (GoJson.KeyMatches(key, "requested_operation")) GoJson.TryString(v, ref request._requestedOperation, S, "requested_operation", ref err);
                else if (GoJson.KeyMatches(key, "policy_pack")) GoJson.TryString(v, ref request._policyPack, S, "policy_pack", ref err);
                else if (GoJson.KeyMatches(key, "server")) GoJson.TryString(v, ref request._server, S, "server", ref err);
                else if (GoJson.KeyMatches(key, "tool")) GoJson.TryString(v, ref request._tool, S, "tool", ref err);
                else if (GoJson.KeyMatches(key, "capability")) GoJson.TryString(v, ref request._capability, S, "capability", ref err);
                else if (GoJson.KeyMatches(key, "record"))
                {
                    if (v.IsNull) record = null; // a map: null resets it
                    else if (v is JsonObject o) record = Merge(record, o); // a second object merges into the same map
                    else err ??= GoJson.TypeError(v, S, "record", "map[string]interface {}");
                }
            }
            if (err != null) { error = err; request = new ActionRequest(); return false; }
            request.Record = record;
            return true;
        }

        /// <summary>Go decodes a repeated object-valued key into the same map/struct: later members override earlier ones.</summary>
        private static JsonObject Merge(JsonObject? existing, JsonObject next)
        {
            if (existing == null || existing.Count == 0) return next;
            var members = new List<KeyValuePair<string, JsonValue>>(existing.Members);
            foreach (var m in next.Members)
            {
                members.RemoveAll(x => x.Key == m.Key);
                members.Add(m);
            }
            return new JsonObject(members);
        }
    }

    /// <summary>Type-checks a contract <c>runner_auth</c> value; only its shape matters to binding (docs/design/decisions.md §5.2).</summary>
    internal static class RunnerAuthShape
    {
        private static readonly string[] IdentityFields = { "provider", "repository", "workflow", "run_id", "run_attempt", "ref", "sha", "actor", "job", "runner_name" };

        public static bool IsValid(JsonValue value, out string? error)
        {
            error = null;
            if (value.IsNull) return true;
            const string S = "EvaluateRequest";
            if (!(value is JsonObject auth)) { error = GoJson.TypeError(value, S, "runner_auth", "v1.RunnerAuthentication"); return false; }
            string scratch = "";
            foreach (var m in auth.Members)
            {
                if (GoJson.KeyMatches(m.Key, "algorithm")) GoJson.TryString(m.Value, ref scratch, S, "runner_auth.algorithm", ref error);
                else if (GoJson.KeyMatches(m.Key, "key_id")) GoJson.TryString(m.Value, ref scratch, S, "runner_auth.key_id", ref error);
                else if (GoJson.KeyMatches(m.Key, "signature")) GoJson.TryString(m.Value, ref scratch, S, "runner_auth.signature", ref error);
                else if (GoJson.KeyMatches(m.Key, "identity"))
                {
                    if (m.Value.IsNull) continue;
                    if (!(m.Value is JsonObject identity)) { error ??= GoJson.TypeError(m.Value, S, "runner_auth.identity", "v1.RunnerIdentity"); continue; }
                    foreach (var f in identity.Members)
                        foreach (var name in IdentityFields)
                            if (GoJson.KeyMatches(f.Key, name)) { GoJson.TryString(f.Value, ref scratch, S, "runner_auth.identity." + name, ref error); break; }
                }
            }
            return error == null;
        }
    }
}
