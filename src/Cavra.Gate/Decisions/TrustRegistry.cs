using System;
using System.Collections.Generic;
using Cavra.Gate.Json;

namespace Cavra.Gate.Decisions
{
    /// <summary>One <c>mcp_servers</c> entry of a trust registry. Values are kept verbatim (no trimming, case-sensitive).</summary>
    public sealed class McpServerRecord
    {
        internal McpServerRecord(string serverId, string name, string trustTier, string approvalState,
            IReadOnlyList<string> capabilities, IReadOnlyList<string> allowedTools)
        {
            ServerId = serverId;
            Name = name;
            TrustTier = trustTier;
            ApprovalState = approvalState;
            Capabilities = capabilities;
            AllowedTools = allowedTools;
        }

        public string ServerId { get; }
        public string Name { get; }
        public string TrustTier { get; }
        public string ApprovalState { get; }
        public IReadOnlyList<string> Capabilities { get; }
        public IReadOnlyList<string> AllowedTools { get; }
    }

    /// <summary>
    /// The MCP trust registry (<c>--registry</c>; docs/design/decisions.md §3.2): <c>{"mcp_servers":[…]}</c>, bound with Go
    /// <c>encoding/json</c> semantics and no further validation. When loaded it replaces the policy's MCP step (docs/design/decisions.md §4.7).
    /// </summary>
    public sealed class TrustRegistry
    {
        private TrustRegistry(IReadOnlyList<McpServerRecord> servers) { Servers = servers; }

        public IReadOnlyList<McpServerRecord> Servers { get; }

        /// <summary>The first record whose <c>server_id</c> or <c>name</c> equals <paramref name="server"/> exactly, or null.</summary>
        public McpServerRecord? Find(string server)
        {
            foreach (var r in Servers)
                if (string.Equals(r.ServerId, server, StringComparison.Ordinal) || string.Equals(r.Name, server, StringComparison.Ordinal)) return r;
            return null;
        }

        public static bool TryLoad(JsonValue json, out TrustRegistry registry, out string error)
        {
            registry = null!;
            error = "";
            if (json == null) { error = "trust registry is missing"; return false; }
            string? err = null;
            const string S = "TrustRegistry";
            var servers = new List<McpServerRecord>();

            if (json is JsonObject root)
            {
                foreach (var m in root.Members)
                {
                    if (!GoJson.KeyMatches(m.Key, "mcp_servers")) continue;
                    if (m.Value.IsNull) { servers.Clear(); continue; }
                    if (!(m.Value is JsonArray items)) { err ??= GoJson.TypeError(m.Value, S, "mcp_servers", "[]runtime.MCPServerRecord"); continue; }
                    servers.Clear(); // a second occurrence replaces the slice
                    foreach (var item in items.Items)
                    {
                        string serverId = "", name = "", tier = "", state = "";
                        List<string>? caps = null, tools = null;
                        if (item is JsonObject rec)
                        {
                            const string R = "TrustRegistry.mcp_servers";
                            foreach (var f in rec.Members)
                            {
                                if (GoJson.KeyMatches(f.Key, "server_id")) GoJson.TryString(f.Value, ref serverId, R, "server_id", ref err);
                                else if (GoJson.KeyMatches(f.Key, "name")) GoJson.TryString(f.Value, ref name, R, "name", ref err);
                                else if (GoJson.KeyMatches(f.Key, "trust_tier")) GoJson.TryString(f.Value, ref tier, R, "trust_tier", ref err);
                                else if (GoJson.KeyMatches(f.Key, "approval_state")) GoJson.TryString(f.Value, ref state, R, "approval_state", ref err);
                                else if (GoJson.KeyMatches(f.Key, "capabilities")) GoJson.TryStringList(f.Value, ref caps, R, "capabilities", ref err);
                                else if (GoJson.KeyMatches(f.Key, "allowed_tools")) GoJson.TryStringList(f.Value, ref tools, R, "allowed_tools", ref err);
                            }
                        }
                        else if (!item.IsNull)
                        {
                            err ??= GoJson.TypeError(item, S, "mcp_servers", "runtime.MCPServerRecord");
                        }
                        // A null entry decodes to a zero record, as in Go.
                        servers.Add(new McpServerRecord(serverId, name, tier, state,
                            (caps ?? new List<string>()).AsReadOnly(), (tools ?? new List<string>()).AsReadOnly()));
                    }
                }
            }
            else if (!json.IsNull)
            {
                err = GoJson.ValueTypeError(json, "runtime.TrustRegistry");
            }

            if (err != null) { error = err; return false; }
            registry = new TrustRegistry(servers.AsReadOnly());
            return true;
        }
    }
}
