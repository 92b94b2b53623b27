using Cavra.Gate.Decisions;
using Cavra.Gate.Json;

namespace Cavra.Gate.Tests.Decisions;

/// <summary>Compiled policy (docs/design/decisions.md §3.1) and trust registry (docs/design/decisions.md §3.2) loading with the Go loader's semantics.</summary>
public class LoaderTests
{
    private static CompiledPolicy Load(string json)
    {
        Assert.True(CompiledPolicy.TryLoad(StrictJsonParser.Parse(json), out var p, out var error), error);
        return p;
    }

    [Fact]
    public void Fixture_loads()
    {
        var p = Conformance.CompiledPolicyFixture();
        Assert.Equal("cavra-go-compiled-fixture", p.Id);
        Assert.Equal(new[] { "**/*.secret" }, p.Rules.BlockRead);
        Assert.Equal(new[] { "protected/**" }, p.Rules.BlockWrite);
        Assert.Equal(new[] { "iam/**" }, p.Rules.RequireApprovalWrite);
        Assert.Equal(new[] { "dangerous mutate*" }, p.Rules.CommandBlock);
        Assert.Equal(new[] { "custom scan*" }, p.Rules.CommandAllow);
        Assert.Equal(new[] { "github-enterprise" }, p.Rules.McpAllowedServers);
        Assert.Equal(new[] { "personal-drive-mcp" }, p.Rules.McpBlockedServers);
        Assert.True(p.Rules.McpBlockUnknownServers);
    }

    [Fact]
    public void Entries_are_trimmed_and_empties_dropped()
    {
        var p = Load("{\"filesystem\":{\"block_read\":[\"  a/**  \",\"\",\"   \",null,\"\\tb\\n\"]},\"mcp\":{\"allowed_servers\":[\" s \"]}}");
        Assert.Equal(new[] { "a/**", "b" }, p.Rules.BlockRead);
        Assert.Equal(new[] { "s" }, p.Rules.McpAllowedServers);
        Assert.Empty(p.Rules.CommandBlock);
        Assert.Equal("", p.Id);
        var e = new DecisionEngine(p, null, Conformance.Clock());
        Assert.Equal("Matched sensitive path policy: a/**", e.Evaluate(new ActionRequest { ActionType = "read_file", Target = "a/x" }).Reason);
    }

    [Fact]
    public void Missing_sections_are_empty_and_block_unknown_defaults_true()
    {
        var p = Load("{}");
        Assert.True(p.Rules.McpBlockUnknownServers);
        Assert.Empty(p.Rules.BlockRead);
        Assert.True(Load("null").Rules.McpBlockUnknownServers);
        Assert.False(Load("{\"mcp\":{\"block_unknown_servers\":false}}").Rules.McpBlockUnknownServers);
        Assert.False(Load("{\"MCP\":{\"Block_Unknown_Servers\":false}}").Rules.McpBlockUnknownServers); // case-insensitive keys
        Assert.Equal("x", Load("{\"Metadata\":{\"ID\":\"x\",\"title\":5}}").Id); // unknown keys ignored, whatever their type
        Assert.Equal(new[] { "c" }, Load("{\"commands\":{\"block\":[\"a\"],\"Block\":[\"c\"]}}").Rules.CommandBlock); // last wins
        Assert.Empty(Load("{\"commands\":{\"block\":[\"a\"],\"Block\":null}}").Rules.CommandBlock);
    }

    [Theory]
    [InlineData("{\"filesystem\":{\"block_read\":\".env\"}}", "filesystem.block_read")]
    [InlineData("{\"filesystem\":{\"block_read\":[1]}}", "filesystem.block_read")]
    [InlineData("{\"commands\":{\"allow\":{}}}", "commands.allow")]
    [InlineData("{\"mcp\":{\"block_unknown_servers\":\"true\"}}", "mcp.block_unknown_servers")]
    [InlineData("{\"mcp\":{\"block_unknown_servers\":1}}", "mcp.block_unknown_servers")]
    [InlineData("{\"metadata\":{\"id\":5}}", "metadata.id")]
    [InlineData("{\"metadata\":[]}", "metadata")]
    [InlineData("{\"filesystem\":\"x\"}", "filesystem")]
    [InlineData("[]", "compiledPolicy")]
    [InlineData("\"policy\"", "compiledPolicy")]
    public void Wrong_types_are_load_errors(string json, string mentions)
    {
        Assert.False(CompiledPolicy.TryLoad(StrictJsonParser.Parse(json), out _, out var error));
        Assert.StartsWith("json: cannot unmarshal", error);
        Assert.Contains(mentions, error);
    }

    [Fact]
    public void Registry_fixture_loads()
    {
        var r = Conformance.RegistryFixture();
        Assert.Equal(3, r.Servers.Count);
        Assert.Equal("experimental", r.Find("filesystem-lab")!.TrustTier);
        Assert.Equal(new[] { "create_pull_request" }, r.Find("github-mcp")!.AllowedTools);
        Assert.Null(r.Find("GITHUB-MCP"));
    }

    [Fact]
    public void Registry_binding()
    {
        Assert.True(TrustRegistry.TryLoad(StrictJsonParser.Parse("{\"MCP_Servers\":[{\"Server_ID\":\" a \",\"capabilities\":null},null],\"other\":1}"), out var r, out var error), error);
        Assert.Equal(2, r.Servers.Count);
        Assert.Equal(" a ", r.Servers[0].ServerId); // verbatim, not trimmed
        Assert.Empty(r.Servers[0].Capabilities);
        Assert.True(TrustRegistry.TryLoad(StrictJsonParser.Parse("{}"), out r, out _));
        Assert.Empty(r.Servers);
        var e = new DecisionEngine(null, r, Conformance.Clock());
        Assert.Equal("mcp.registry.unknown", e.Evaluate(new ActionRequest { ActionType = "mcp_tool_call", Server = "x" }).RuleId);
    }

    [Theory]
    [InlineData("{\"mcp_servers\":{}}")]
    [InlineData("{\"mcp_servers\":[1]}")]
    [InlineData("{\"mcp_servers\":[{\"trust_tier\":1}]}")]
    [InlineData("{\"mcp_servers\":[{\"allowed_tools\":\"x\"}]}")]
    [InlineData("{\"mcp_servers\":[{\"allowed_tools\":[true]}]}")]
    [InlineData("[]")]
    public void Registry_wrong_types_are_load_errors(string json)
    {
        Assert.False(TrustRegistry.TryLoad(StrictJsonParser.Parse(json), out _, out var error));
        Assert.StartsWith("json: cannot unmarshal", error);
    }
}
