using System.Collections.Generic;
using Cavra.Gate.Json;

namespace Cavra.Gate.Decisions
{
    /// <summary>
    /// A compiled policy file (<c>cavra policy compile</c> output, the runtime's <c>--policy</c>; docs/design/decisions.md §3.1),
    /// bound the way the Go loader binds it: plain <c>encoding/json</c> unmarshal (case-insensitive keys, unknown keys
    /// ignored, wrong JSON types are a load error), every list entry trimmed and empty entries dropped, missing sections
    /// empty, <c>mcp.block_unknown_servers</c> true unless given. No schema check: metadata other than <c>id</c> is ignored.
    /// </summary>
    public sealed class CompiledPolicy
    {
        private CompiledPolicy(PolicyRules rules) { Rules = rules; }

        /// <summary><c>metadata.id</c> as written (may be empty).</summary>
        public string Id => Rules.Id;

        /// <summary>The loaded rules, patterns precompiled.</summary>
        public PolicyRules Rules { get; }

        public static bool TryLoad(JsonValue json, out CompiledPolicy policy, out string error)
        {
            policy = null!;
            error = "";
            if (json == null) { error = "compiled policy is missing"; return false; }
            string? err = null;
            string id = "";
            List<string>? blockRead = null, blockWrite = null, approvalWrite = null, cmdBlock = null, cmdAllow = null, allowed = null, blocked = null;
            bool blockUnknown = true; // *bool: nil (absent or null) means the default, true
            const string S = "compiledPolicy";

            if (json is JsonObject root)
            {
                foreach (var m in root.Members)
                {
                    if (GoJson.KeyMatches(m.Key, "metadata"))
                    {
                        if (m.Value is JsonObject meta)
                        {
                            foreach (var f in meta.Members)
                                if (GoJson.KeyMatches(f.Key, "id")) GoJson.TryString(f.Value, ref id, S, "metadata.id", ref err);
                        }
                        else if (!m.Value.IsNull) err ??= GoJson.TypeError(m.Value, S, "metadata", "struct { ID string \"json:\\\"id\\\"\" }");
                    }
                    else if (GoJson.KeyMatches(m.Key, "filesystem"))
                    {
                        if (m.Value is JsonObject fs)
                        {
                            foreach (var f in fs.Members)
                            {
                                if (GoJson.KeyMatches(f.Key, "block_read")) GoJson.TryStringList(f.Value, ref blockRead, S, "filesystem.block_read", ref err);
                                else if (GoJson.KeyMatches(f.Key, "block_write")) GoJson.TryStringList(f.Value, ref blockWrite, S, "filesystem.block_write", ref err);
                                else if (GoJson.KeyMatches(f.Key, "require_approval_write")) GoJson.TryStringList(f.Value, ref approvalWrite, S, "filesystem.require_approval_write", ref err);
                            }
                        }
                        else if (!m.Value.IsNull) err ??= GoJson.TypeError(m.Value, S, "filesystem", "struct");
                    }
                    else if (GoJson.KeyMatches(m.Key, "commands"))
                    {
                        if (m.Value is JsonObject cmd)
                        {
                            foreach (var f in cmd.Members)
                            {
                                if (GoJson.KeyMatches(f.Key, "block")) GoJson.TryStringList(f.Value, ref cmdBlock, S, "commands.block", ref err);
                                else if (GoJson.KeyMatches(f.Key, "allow")) GoJson.TryStringList(f.Value, ref cmdAllow, S, "commands.allow", ref err);
                            }
                        }
                        else if (!m.Value.IsNull) err ??= GoJson.TypeError(m.Value, S, "commands", "struct");
                    }
                    else if (GoJson.KeyMatches(m.Key, "mcp"))
                    {
                        if (m.Value is JsonObject mcp)
                        {
                            foreach (var f in mcp.Members)
                            {
                                if (GoJson.KeyMatches(f.Key, "allowed_servers")) GoJson.TryStringList(f.Value, ref allowed, S, "mcp.allowed_servers", ref err);
                                else if (GoJson.KeyMatches(f.Key, "blocked_servers")) GoJson.TryStringList(f.Value, ref blocked, S, "mcp.blocked_servers", ref err);
                                else if (GoJson.KeyMatches(f.Key, "block_unknown_servers"))
                                {
                                    if (f.Value.IsNull) blockUnknown = true; // null sets the pointer back to nil
                                    else GoJson.TryBool(f.Value, ref blockUnknown, S, "mcp.block_unknown_servers", ref err);
                                }
                            }
                        }
                        else if (!m.Value.IsNull) err ??= GoJson.TypeError(m.Value, S, "mcp", "struct");
                    }
                }
            }
            else if (!json.IsNull)
            {
                err = GoJson.ValueTypeError(json, "runtime.compiledPolicy");
            }

            if (err != null) { error = err; return false; }
            policy = new CompiledPolicy(new PolicyRules(id,
                Clean(blockRead), Clean(blockWrite), Clean(approvalWrite), Clean(cmdBlock), Clean(cmdAllow), Clean(allowed), Clean(blocked), blockUnknown));
            return true;
        }

        /// <summary>The loader's <c>stringsList</c>: trim every entry (Go TrimSpace), drop the empty ones.</summary>
        private static List<string> Clean(List<string>? items)
        {
            var result = new List<string>(items?.Count ?? 0);
            if (items == null) return result;
            foreach (var item in items)
            {
                string t = GoJson.TrimSpace(item);
                if (t.Length > 0) result.Add(t);
            }
            return result;
        }
    }
}
