using System;
using System.Collections.Generic;

namespace Cavra.Gate.Decisions
{
    /// <summary>A policy pattern with the decision reason it produces precomputed, so a decision allocates no reason text.</summary>
    internal sealed class PatternRule
    {
        public PatternRule(string pattern, string reasonPrefix)
        {
            Matcher = PatternMatcher.Compile(pattern);
            Reason = reasonPrefix + pattern;
        }

        public PatternMatcher Matcher { get; }
        public string Reason { get; }
    }

    /// <summary>
    /// One policy's rules (the Go <c>Policy</c> struct): file and command pattern lists in evaluation order, MCP server
    /// lists and the unknown-server default. Built-in packs and compiled policies both end up here; patterns are compiled
    /// once. Immutable and thread-safe.
    /// </summary>
    public sealed class PolicyRules
    {
        internal const string SensitivePath = "Matched sensitive path policy: ";
        internal const string ApprovalPath = "Matched approval-required path policy: ";
        internal const string BlockedCommand = "Matched blocked command policy: ";
        internal const string AllowedCommand = "Matched allowed command policy: ";

        public PolicyRules(string id,
            IEnumerable<string>? blockRead = null, IEnumerable<string>? blockWrite = null, IEnumerable<string>? requireApprovalWrite = null,
            IEnumerable<string>? commandBlock = null, IEnumerable<string>? commandAllow = null,
            IEnumerable<string>? mcpAllowedServers = null, IEnumerable<string>? mcpBlockedServers = null, bool mcpBlockUnknownServers = false)
        {
            Id = id ?? "";
            BlockRead = Freeze(blockRead);
            BlockWrite = Freeze(blockWrite);
            RequireApprovalWrite = Freeze(requireApprovalWrite);
            CommandBlock = Freeze(commandBlock);
            CommandAllow = Freeze(commandAllow);
            McpAllowedServers = Freeze(mcpAllowedServers);
            McpBlockedServers = Freeze(mcpBlockedServers);
            McpBlockUnknownServers = mcpBlockUnknownServers;

            BlockReadRules = Compile(BlockRead, SensitivePath);
            BlockWriteRules = Compile(BlockWrite, SensitivePath);
            RequireApprovalWriteRules = Compile(RequireApprovalWrite, ApprovalPath);
            CommandBlockRules = Compile(CommandBlock, BlockedCommand);
            CommandAllowRules = Compile(CommandAllow, AllowedCommand);
        }

        /// <summary>The policy id (built-in pack name, or a compiled policy's <c>metadata.id</c>, possibly empty).</summary>
        public string Id { get; }
        public IReadOnlyList<string> BlockRead { get; }
        public IReadOnlyList<string> BlockWrite { get; }
        public IReadOnlyList<string> RequireApprovalWrite { get; }
        public IReadOnlyList<string> CommandBlock { get; }
        public IReadOnlyList<string> CommandAllow { get; }
        public IReadOnlyList<string> McpAllowedServers { get; }
        public IReadOnlyList<string> McpBlockedServers { get; }
        public bool McpBlockUnknownServers { get; }

        internal PatternRule[] BlockReadRules { get; }
        internal PatternRule[] BlockWriteRules { get; }
        internal PatternRule[] RequireApprovalWriteRules { get; }
        internal PatternRule[] CommandBlockRules { get; }
        internal PatternRule[] CommandAllowRules { get; }

        internal static bool Contains(IReadOnlyList<string> items, string value)
        {
            for (int i = 0; i < items.Count; i++)
                if (string.Equals(items[i], value, StringComparison.Ordinal)) return true;
            return false;
        }

        private static IReadOnlyList<string> Freeze(IEnumerable<string>? items)
        {
            if (items == null) return Array.Empty<string>();
            var list = new List<string>();
            foreach (var item in items) list.Add(item ?? "");
            return list.AsReadOnly();
        }

        private static PatternRule[] Compile(IReadOnlyList<string> patterns, string reasonPrefix)
        {
            var rules = new PatternRule[patterns.Count];
            for (int i = 0; i < rules.Length; i++) rules[i] = new PatternRule(patterns[i], reasonPrefix);
            return rules;
        }
    }
}
