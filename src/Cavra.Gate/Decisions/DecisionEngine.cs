using System;
using System.Collections.Generic;
using Cavra.Gate.Json;
using Cavra.Gate.Time;

namespace Cavra.Gate.Decisions
{
    /// <summary>
    /// The built-in decision engine: the authoritative backend. Implements the <c>cavra-runtime</c> rules of
    /// docs/design/decisions.md §4 decision for decision, with the same inputs the runtime is given: a compiled policy and/or
    /// trust registry when configured, the built-in packs otherwise. Thread-safe; <see cref="Evaluate"/> never throws.
    /// </summary>
    public sealed class DecisionEngine
    {
        public const string ReadFile = "read_file";
        public const string WriteFile = "write_file";
        public const string ExecuteCommand = "execute_command";
        public const string GitOperation = "git_operation";
        public const string McpToolCall = "mcp_tool_call";
        public const string ReleaseGovernanceRecord = "release_governance_record";

        private readonly CompiledPolicy? _policy;
        private readonly TrustRegistry? _registry;
        private readonly TimeProvider _clock;

        public DecisionEngine(CompiledPolicy? policy = null, TrustRegistry? registry = null, TimeProvider? clock = null)
        {
            _policy = policy;
            _registry = registry;
            _clock = clock ?? TimeProvider.System;
        }

        public CompiledPolicy? Policy => _policy;
        public TrustRegistry? Registry => _registry;

        /// <summary>The nine built-in packs (docs/design/decisions.md §3.3), for tab completion; other names are valid and evaluate with the baseline rules.</summary>
        public static IReadOnlyList<string> BuiltInPackNames => BuiltInPolicyPacks.Names;

        /// <summary>The action types the engine dispatches on (docs/design/decisions.md §4.1); anything else is decided by the default approval rule.</summary>
        public static IReadOnlyList<string> ActionTypes { get; } = Array.AsReadOnly(new[]
        {
            ReadFile, WriteFile, ExecuteCommand, GitOperation, McpToolCall, ReleaseGovernanceRecord,
        });

        public Decision Evaluate(ActionRequest request)
        {
            request ??= new ActionRequest();
            try
            {
                return EvaluateCore(request);
            }
            catch (Exception ex)
            {
                // Not reachable by any known input; an engine fault must still fail closed rather than escape.
                return Decision.FailClosed(request, "runtime.engine.error", "critical", "Decision engine fault; failing closed: " + ex.Message, _clock);
            }
        }

        private Decision EvaluateCore(ActionRequest request)
        {
            // docs/design/decisions.md §5.2: a request that carries the typed contract is evaluated as the converted contract request.
            string actionType = request.ActionType;
            string operation = request.EffectiveOperation;
            string server = request.Server, tool = request.Tool, capability = request.Capability;
            JsonObject? record = request.Record;
            if (request.ReleaseGovernance != null && ReleaseGovernanceContract.TryBind(request.ReleaseGovernance, out var converted, out _))
            {
                operation = request.RequestedOperation;
                server = tool = capability = "";
                record = converted;
                if (converted != null && actionType.Length == 0) actionType = ReleaseGovernanceRecord;
            }

            // docs/design/decisions.md §3.4: policy and pack resolution.
            PolicyRules rules;
            string pack;
            if (_policy != null)
            {
                rules = _policy.Rules;
                pack = request.PolicyPack.Length > 0 ? request.PolicyPack : _policy.Id.Length > 0 ? _policy.Id : BuiltInPolicyPacks.Baseline;
            }
            else
            {
                pack = request.PolicyPack.Length > 0 ? request.PolicyPack : BuiltInPolicyPacks.Baseline;
                rules = BuiltInPolicyPacks.RulesFor(pack);
            }

            string target = request.Target;
            switch (actionType)
            {
                case ReadFile: return File(request, target, false, pack, rules);
                case WriteFile: return File(request, target, true, pack, rules);
                case ExecuteCommand: return Command(request, target, pack, rules);
                case GitOperation: return Git(request, operation, target, pack);
                case McpToolCall:
                    return _registry != null
                        ? McpRegistry(request, server, tool, capability, operation, pack, _registry)
                        : Mcp(request, server, tool, operation, pack, rules);
                case ReleaseGovernanceRecord:
                {
                    var o = ReleaseGovernanceRules.Evaluate(record, target, operation);
                    return Make(request, actionType, o.Target, o.Requested, pack, o.RuleId, o.Verdict, o.Severity, o.Reason, o.Approver);
                }
                default:
                    return Make(request, actionType, target, operation, pack, "runtime.default.require_approval", Decision.RequireApproval,
                        "medium", "Unknown action type; review required.", "Repository Owners");
            }
        }

        // docs/design/decisions.md §4.3
        private Decision File(ActionRequest request, string target, bool write, string pack, PolicyRules rules)
        {
            string actionType = write ? WriteFile : ReadFile;
            string mode = write ? "write" : "read";
            var block = write ? rules.BlockWriteRules : rules.BlockReadRules;
            for (int i = 0; i < block.Length; i++)
                if (block[i].Matcher.IsMatch(target))
                    return Make(request, actionType, target, mode, pack, write ? "filesystem.write.block" : "filesystem.read.block",
                        Decision.Block, "high", block[i].Reason, "");
            if (write)
            {
                var approval = rules.RequireApprovalWriteRules;
                for (int i = 0; i < approval.Length; i++)
                    if (approval[i].Matcher.IsMatch(target))
                        return Make(request, actionType, target, mode, pack, "filesystem.write.require_approval",
                            Decision.RequireApproval, "high", approval[i].Reason, "Platform Security");
            }
            return Make(request, actionType, target, mode, pack, write ? "filesystem.write.allow" : "filesystem.read.allow",
                Decision.Allow, "low", "No sensitive path policy matched.", "");
        }

        // docs/design/decisions.md §4.4
        private Decision Command(ActionRequest request, string target, string pack, PolicyRules rules)
        {
            string cmd = GoJson.TrimSpace(target);
            var block = rules.CommandBlockRules;
            for (int i = 0; i < block.Length; i++)
            {
                if (!block[i].Matcher.IsMatch(cmd)) continue;
                string severity = cmd.IndexOf("apply", StringComparison.Ordinal) >= 0 || cmd.IndexOf("delete", StringComparison.Ordinal) >= 0
                    ? "critical" : "high";
                return Make(request, ExecuteCommand, cmd, cmd, pack, "commands.block", Decision.Block, severity, block[i].Reason, "");
            }
            var allow = rules.CommandAllowRules;
            for (int i = 0; i < allow.Length; i++)
                if (allow[i].Matcher.IsMatch(cmd))
                    return Make(request, ExecuteCommand, cmd, cmd, pack, "commands.allow", Decision.Allow, "low", allow[i].Reason, "");
            return Make(request, ExecuteCommand, cmd, cmd, pack, "commands.default.require_approval", Decision.RequireApproval, "medium",
                "No allow rule matched; review required.", "Repository Owners");
        }

        // docs/design/decisions.md §4.5: hard-coded, independent of the policy.
        private Decision Git(ActionRequest request, string operation, string target, string pack)
        {
            if (operation == "push" && (target.EndsWith("main", StringComparison.Ordinal) || target.EndsWith("master", StringComparison.Ordinal)))
                return Make(request, GitOperation, target, operation, pack, "git.protected_branch.block_direct_push", Decision.Block, "high",
                    "Direct push to protected branch is prohibited.", "");
            return Make(request, GitOperation, target, operation.Length > 0 ? operation : target, pack, "git.allow", Decision.Allow, "low",
                "Git operation is allowed by policy.", "");
        }

        // docs/design/decisions.md §4.6
        private Decision Mcp(ActionRequest request, string server, string tool, string operation, string pack, PolicyRules rules)
        {
            string target = server + ":" + tool;
            string requested = operation.Length > 0 ? operation : tool;
            if (PolicyRules.Contains(rules.McpBlockedServers, server) || (rules.McpBlockUnknownServers && !PolicyRules.Contains(rules.McpAllowedServers, server)))
                return Make(request, McpToolCall, target, requested, pack, "mcp.server.trust.block_unknown", Decision.Block, "high",
                    "Untrusted MCP server with filesystem/tool capability is not approved.", "");
            return Make(request, McpToolCall, target, requested, pack, "mcp.server.trust.allow", Decision.Allow, "low",
                "MCP server is trusted for this tool call.", "");
        }

        // docs/design/decisions.md §4.7: the registry replaces the policy's MCP lists.
        private Decision McpRegistry(ActionRequest request, string server, string tool, string capability, string operation, string pack, TrustRegistry registry)
        {
            string target = server + ":" + tool;
            string requested = operation.Length > 0 ? operation : tool;
            var record = registry.Find(server);
            if (record == null)
                return Make(request, McpToolCall, target, requested, pack, "mcp.registry.unknown", Decision.Block, "high", "MCP server is not registered.", "");
            if (record.TrustTier == "blocked" || record.ApprovalState == "denied")
                return Make(request, McpToolCall, target, requested, pack, "mcp.registry.blocked", Decision.Block, "high",
                    "MCP server is blocked or denied in the trust registry.", "");
            if (record.ApprovalState == "pending" || record.TrustTier == "unknown" || record.TrustTier == "experimental")
                return Make(request, McpToolCall, target, requested, pack, "mcp.registry.requires_approval", Decision.RequireApproval, "medium",
                    "MCP server requires trust approval before use.", "AI Governance");
            if (record.AllowedTools.Count > 0 && !PolicyRules.Contains(record.AllowedTools, tool))
                return Make(request, McpToolCall, target, requested, pack, "mcp.registry.tool_scope", Decision.RequireApproval, "medium",
                    "MCP tool is outside the server's approved tool scope.", "AI Governance");
            if (capability.Length > 0 && record.Capabilities.Count > 0 && !PolicyRules.Contains(record.Capabilities, capability))
                return Make(request, McpToolCall, target, requested, pack, "mcp.registry.capability_scope", Decision.RequireApproval, "medium",
                    "MCP capability is outside the server's approved capability scope.", "AI Governance");
            return Make(request, McpToolCall, target, requested, pack, "mcp.registry.allow", Decision.Allow, "low",
                "MCP server is approved in the trust registry.", "");
        }

        private Decision Make(ActionRequest request, string actionType, string target, string requested, string pack, string ruleId,
            string verdict, string severity, string reason, string approverGroup)
            => Decision.Create(request, actionType, target, requested, pack, ruleId, verdict, severity, reason, approverGroup, _clock);
    }
}
