using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Time;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Decisions;

/// <summary>Commands, git, MCP, release governance details, policy resolution and metadata (docs/design/decisions.md §4).</summary>
public class EngineBehaviourTests
{
    private static DecisionEngine Engine(CompiledPolicy? policy = null, TrustRegistry? registry = null) => new(policy, registry, Conformance.Clock());

    private static CompiledPolicy Policy(string json)
    {
        Assert.True(CompiledPolicy.TryLoad(StrictJsonParser.Parse(json), out var p, out var error), error);
        return p;
    }

    private static JsonObject Rec(string json) => (JsonObject)StrictJsonParser.Parse(json);

    // ---- commands docs/design/decisions.md §4.4 ----

    [Theory]
    [InlineData("  terraform apply -auto-approve \n", "terraform apply -auto-approve", "critical")]
    [InlineData("\u00A0\u2003kubectl delete pod x\u3000", "kubectl delete pod x", "critical")]
    [InlineData("git push origin main", "git push origin main", "high")]
    public void Commands_are_trimmed_with_Go_whitespace(string target, string cleaned, string severity)
    {
        var d = Engine().Evaluate(new ActionRequest { ActionType = "execute_command", Target = target });
        Assert.Equal("commands.block", d.RuleId);
        Assert.Equal(severity, d.Severity);
        Assert.Equal(cleaned, d.Target);
        Assert.Equal(cleaned, d.RequestedOperation);
    }

    [Fact]
    public void Zero_width_space_is_not_trimmed()
    {
        var d = Engine().Evaluate(new ActionRequest { ActionType = "execute_command", Target = "\u200Bterraform plan" });
        Assert.Equal("commands.default.require_approval", d.RuleId);
    }

    [Fact]
    public void Block_beats_allow_and_apply_or_delete_anywhere_is_critical()
    {
        var p = Policy("{\"commands\":{\"block\":[\"git push*\"],\"allow\":[\"git*\"]}}");
        var d = Engine(p).Evaluate(new ActionRequest { ActionType = "execute_command", Target = "git push origin fix-delete-button" });
        Assert.Equal(("block", "commands.block", "critical"), (d.Verdict, d.RuleId, d.Severity));
        d = Engine(p).Evaluate(new ActionRequest { ActionType = "execute_command", Target = "git push origin Apply" });
        Assert.Equal("high", d.Severity); // case-sensitive substring
        d = Engine(p).Evaluate(new ActionRequest { ActionType = "execute_command", Target = "git status" });
        Assert.Equal("commands.allow", d.RuleId);
    }

    // ---- git docs/design/decisions.md §4.5 ----

    [Theory]
    [InlineData("push", "", "", "origin/main", "block", "push")]
    [InlineData("push", "", "", "origin/domain", "block", "push")]           // plain suffix test
    [InlineData("push", "", "", "feature-master", "block", "push")]
    [InlineData("", "push", "", "main", "block", "push")]                    // requested_operation fallback
    [InlineData("", "", "push", "main", "block", "push")]                    // capability is the last resort
    [InlineData("", "", "", "origin/main", "allow", "origin/main")]          // no op: allow, requested = target
    [InlineData("Push", "", "", "main", "allow", "Push")]
    [InlineData("fetch", "push", "", "main", "allow", "fetch")]              // operation wins
    [InlineData("push", "", "", "main\n", "allow", "push")]
    public void Git(string operation, string requested, string capability, string target, string verdict, string reported)
    {
        var d = Engine().Evaluate(new ActionRequest { ActionType = "git_operation", Target = target, Operation = operation, RequestedOperation = requested, Capability = capability });
        Assert.Equal(verdict, d.Verdict);
        Assert.Equal(verdict == "block" ? "git.protected_branch.block_direct_push" : "git.allow", d.RuleId);
        Assert.Equal(reported, d.RequestedOperation);
        Assert.Equal(target, d.Target);
    }

    [Fact]
    public void Git_ignores_the_policy()
    {
        var d = Engine(Policy("{}")).Evaluate(new ActionRequest { ActionType = "git_operation", Target = "main", Operation = "push" });
        Assert.Equal("git.protected_branch.block_direct_push", d.RuleId);
    }

    // ---- files docs/design/decisions.md §4.3 ----

    [Fact]
    public void File_targets_are_not_normalised()
    {
        var e = Engine();
        Assert.Equal("allow", e.Evaluate(new ActionRequest { ActionType = "read_file", Target = "./.env" }).Verdict);
        Assert.Equal("allow", e.Evaluate(new ActionRequest { ActionType = "read_file", Target = " .env" }).Verdict);
        Assert.Equal("allow", e.Evaluate(new ActionRequest { ActionType = "read_file", Target = @"config\secrets.yaml" }).Verdict);
        Assert.Equal("block", e.Evaluate(new ActionRequest { ActionType = "read_file", Target = "config/secrets.yaml" }).Verdict);
        var d = e.Evaluate(new ActionRequest { ActionType = "read_file", Target = "", Operation = "cat" });
        Assert.Equal(("read_file", "", "read"), (d.ActionType, d.Target, d.RequestedOperation));
    }

    // ---- MCP docs/design/decisions.md §4.6, §4.7 ----

    [Fact]
    public void Mcp_requested_operation_prefers_the_operation_then_the_tool()
    {
        var d = Engine().Evaluate(new ActionRequest { ActionType = "mcp_tool_call", Server = "s", Tool = "t", Operation = "op", Capability = "cap" });
        Assert.Equal("op", d.RequestedOperation);
        d = Engine().Evaluate(new ActionRequest { ActionType = "mcp_tool_call", Server = "s", Tool = "t" });
        Assert.Equal("t", d.RequestedOperation);
        Assert.Equal("s:t", d.Target);
    }

    [Fact]
    public void Compiled_policy_blocks_unknown_servers_by_default_and_honours_false()
    {
        var req = new ActionRequest { ActionType = "mcp_tool_call", Server = "random", Tool = "x" };
        Assert.Equal("block", Engine(Policy("{}")).Evaluate(req).Verdict);
        Assert.Equal("block", Engine(Policy("{\"mcp\":{\"block_unknown_servers\":null}}")).Evaluate(req).Verdict);
        Assert.Equal("allow", Engine(Policy("{\"mcp\":{\"block_unknown_servers\":false}}")).Evaluate(req).Verdict);
        var blocked = Policy("{\"mcp\":{\"blocked_servers\":[\"random\"],\"allowed_servers\":[\"random\"],\"block_unknown_servers\":false}}");
        Assert.Equal("mcp.server.trust.block_unknown", Engine(blocked).Evaluate(req).RuleId); // explicit block, same rule id
        Assert.Equal("allow", Engine(Conformance.CompiledPolicyFixture()).Evaluate(new ActionRequest { ActionType = "mcp_tool_call", Server = "github-enterprise", Tool = "x" }).Verdict);
    }

    [Fact]
    public void Registry_replaces_the_mcp_step_only()
    {
        var engine = Engine(Conformance.CompiledPolicyFixture(), Conformance.RegistryFixture());
        // github-enterprise is allowed by the policy list but not registered: the registry decides.
        var d = engine.Evaluate(new ActionRequest { ActionType = "mcp_tool_call", Server = "github-enterprise", Tool = "x" });
        Assert.Equal("mcp.registry.unknown", d.RuleId);
        Assert.Equal("cavra-go-compiled-fixture", d.PolicyPack);
        // Other actions still use the compiled policy.
        Assert.Equal("filesystem.read.block", engine.Evaluate(new ActionRequest { ActionType = "read_file", Target = "a/b.secret" }).RuleId);
        // A registry with the built-in packs: files use the pack.
        var builtIn = Engine(null, Conformance.RegistryFixture());
        Assert.Equal("filesystem.read.block", builtIn.Evaluate(new ActionRequest { ActionType = "read_file", Target = ".env" }).RuleId);
        Assert.Equal("mcp.registry.unknown", builtIn.Evaluate(new ActionRequest { ActionType = "mcp_tool_call", Server = "github-enterprise", PolicyPack = "cavra-mcp-enterprise" }).RuleId);
    }

    [Fact]
    public void Registry_matches_name_as_well_as_server_id_and_takes_the_first()
    {
        Assert.True(TrustRegistry.TryLoad(StrictJsonParser.Parse(
            "{\"mcp_servers\":[{\"server_id\":\"id-1\",\"name\":\"Docs\",\"trust_tier\":\"approved\"},{\"server_id\":\"Docs\",\"trust_tier\":\"blocked\"},{\"server_id\":\"cap\",\"capabilities\":[\"read\"]}]}"),
            out var registry, out var error), error);
        var e = Engine(null, registry);
        Assert.Equal("mcp.registry.allow", e.Evaluate(new ActionRequest { ActionType = "mcp_tool_call", Server = "Docs", Tool = "x" }).RuleId);
        Assert.Equal("mcp.registry.unknown", e.Evaluate(new ActionRequest { ActionType = "mcp_tool_call", Server = "docs", Tool = "x" }).RuleId);
        // Capability scope only when the request names a capability; the operation does not count.
        Assert.Equal("mcp.registry.allow", e.Evaluate(new ActionRequest { ActionType = "mcp_tool_call", Server = "cap", Tool = "x", Operation = "write" }).RuleId);
        Assert.Equal("mcp.registry.capability_scope", e.Evaluate(new ActionRequest { ActionType = "mcp_tool_call", Server = "cap", Tool = "x", Capability = "write" }).RuleId);
        var d = e.Evaluate(new ActionRequest { ActionType = "mcp_tool_call", Server = "cap", Tool = "x", Capability = "read" });
        Assert.Equal(("mcp.registry.allow", "read"), (d.RuleId, d.RequestedOperation));
    }

    // ---- policy resolution docs/design/decisions.md §3.4 ----

    [Fact]
    public void Compiled_policy_pack_resolution()
    {
        var fixture = Conformance.CompiledPolicyFixture();
        Assert.Equal("cavra-go-compiled-fixture", fixture.Id);
        var relabel = Engine(fixture).Evaluate(new ActionRequest { ActionType = "read_file", Target = "x.secret", PolicyPack = "cavra-ai-agent-baseline" });
        Assert.Equal("cavra-ai-agent-baseline", relabel.PolicyPack);      // request relabels …
        Assert.Equal("allow", relabel.Verdict);                            // … without changing the rules ("**/*.secret" needs a '/')
        var noId = Engine(Policy("{\"metadata\":{\"title\":\"t\"},\"filesystem\":{\"block_read\":[\"x\"]}}"));
        var d = noId.Evaluate(new ActionRequest { ActionType = "read_file", Target = "x" });
        Assert.Equal(("cavra-ai-agent-baseline", "block"), (d.PolicyPack, d.Verdict));
        // A compiled policy never falls back to the built-in pack's rules.
        Assert.Equal("allow", noId.Evaluate(new ActionRequest { ActionType = "read_file", Target = ".env", PolicyPack = "cavra-ai-agent-baseline" }).Verdict);
    }

    // ---- release governance docs/design/decisions.md §5.3 ----

    [Theory]
    [InlineData("{\"metadata_kind\":\"release-connector-delivery\",\"delivery_success\":true}", "release_governance.record.verified")]
    [InlineData("{\"metadata_kind\":\"release-connector-delivery\",\"delivery_success\":\" Succeeded \"}", "release_governance.record.verified")]
    [InlineData("{\"metadata_kind\":\"release-connector-delivery\",\"delivery_success\":\"no\"}", "release_governance.delivery.failed")]
    [InlineData("{\"metadata_kind\":\"release-connector-delivery\",\"delivery_success\":1}", "release_governance.delivery.failed")]
    [InlineData("{\"metadata_kind\":\" release-connector-delivery \"}", "release_governance.delivery.failed")] // stringValue trims
    [InlineData("{\"metadata_kind\":\"Release-Connector-Delivery\"}", "release_governance.approval.not_required")] // kind is not normalised
    [InlineData("{\"metadata_kind\":\"rollout-rollback-execution\",\"approval_state\":\"approved\",\"approval_id\":\"  \"}", "release_governance.approval.missing")]
    [InlineData("{\"metadata_kind\":\"x\",\"approval_state\":\"approved\",\"approval\":{\"approval_id\":\"a\"}}", "release_governance.approval.approved")]
    [InlineData("{\"metadata_kind\":\"x\",\"approval_state\":\"\",\"approval\":{\"state\":\"rejected\"}}", "release_governance.approval.denied")]
    [InlineData("{\"metadata_kind\":\"x\",\"approval\":\"denied\"}", "release_governance.approval.not_required")] // approval must be an object
    [InlineData("{\"metadata_kind\":\"x\",\"approval_required_count\":0.9}", "release_governance.approval.not_required")]    // truncated to 0
    [InlineData("{\"metadata_kind\":\"x\",\"approval_required_count\":1.5}", "release_governance.approval.required")]
    [InlineData("{\"metadata_kind\":\"x\",\"approval_required_count\":\"3\"}", "release_governance.approval.not_required")]  // strings are not counts
    [InlineData("{\"metadata_kind\":\"x\",\"blocked_count\":1e30}", "release_governance.approval.not_required")]            // Go amd64: min int64
    [InlineData("{\"metadata_kind\":\"x\",\"drifted_endpoint_count\":5,\"missing_target_count\":2}", "release_governance.approval.not_required")]
    [InlineData("{\"metadata_kind\":\"x\",\"alert_level\":\" Breached \"}", "release_governance.signal.critical")]
    [InlineData("{\"metadata_kind\":\"x\",\"handoff_status\":\"failed\"}", "release_governance.signal.critical")]
    [InlineData("{\"metadata_kind\":\"x\",\"integrity_status\":\"tampered\"}", "release_governance.signal.critical")]
    [InlineData("{\"metadata_kind\":\"x\",\"verification_status\":\"blocked\"}", "release_governance.signal.critical")]
    [InlineData("{\"metadata_kind\":\"x\",\"audit_export_status\":\"blocked\"}", "release_governance.signal.critical")]
    [InlineData("{\"metadata_kind\":\"x\",\"connector_delivery_failure_count\":2}", "release_governance.signal.critical")]
    [InlineData("{\"metadata_kind\":\"endpoint-drift-remediation-execution\"}", "release_governance.approval.missing")]
    [InlineData("{\"metadata_kind\":\"endpoint-drift-remediation-request\"}", "release_governance.approval.required")]
    [InlineData("{\"metadata_kind\":\"x\",\"approval_state\":\"expired\"}", "release_governance.approval.denied")]
    [InlineData("{\"metadata_kind\":\"x\",\"approval_state\":\"cancelled\"}", "release_governance.approval.denied")]
    [InlineData("{\"metadata_kind\":\"x\",\"approval_state\":\"exp\u0130red\"}", "release_governance.approval.denied")] // Go lower-cases U+0130 to 'i'
    [InlineData("{\"metadata_kind\":\"x\",\"approval_state\":true}", "release_governance.approval.unknown")]
    public void Release_governance_steps(string record, string rule)
    {
        var d = Engine().Evaluate(new ActionRequest { ActionType = "release_governance_record", Record = Rec(record) });
        Assert.Equal(rule, d.RuleId);
    }

    [Fact]
    public void Release_governance_targets_kinds_and_operations()
    {
        var e = Engine();
        var d = e.Evaluate(new ActionRequest { ActionType = "release_governance_record" });
        Assert.Equal(("release-governance-record", "verify", "release_governance.record.missing"), (d.Target, d.RequestedOperation, d.RuleId));
        d = e.Evaluate(new ActionRequest { ActionType = "release_governance_record", Operation = "promote", Record = JsonObject.Empty });
        Assert.Equal(("release-governance-record", "verify"), (d.Target, d.RequestedOperation)); // missing record: always "verify"
        d = e.Evaluate(new ActionRequest { ActionType = "release_governance_record", Operation = "promote", Record = Rec("{\"metadata_kind\":\"rollout-evidence-capture\"}") });
        Assert.Equal(("rollout-evidence-capture", "promote"), (d.Target, d.RequestedOperation));
        d = e.Evaluate(new ActionRequest { ActionType = "release_governance_record", Capability = "cap", Record = Rec("{\"metadata_kind\":42,\"approval_state\":\"hold\"}") });
        Assert.Equal("42 has an unknown approval state: hold.", d.Reason);
        Assert.Equal("cap", d.RequestedOperation);
        d = e.Evaluate(new ActionRequest { ActionType = "release_governance_record", Record = Rec("{\"metadata_kind\":1000000,\"approval_state\":\"hold\"}") });
        Assert.Equal("1e+06", d.Target); // fmt.Sprint of a float64
        d = e.Evaluate(new ActionRequest { ActionType = "release_governance_record", Record = Rec("{\"metadata_kind\":{\"b\":[1,null],\"a\":true},\"approval_state\":\"hold\"}") });
        Assert.Equal("map[a:true b:[1 <nil>]]", d.Target);
        d = e.Evaluate(new ActionRequest { ActionType = "release_governance_record", Record = Rec("{\"metadata_kind\":null,\"x\":1}") });
        Assert.Equal("release-governance-record does not require release governance approval.", d.Reason);
    }

    [Fact]
    public void Typed_contract_conversion()
    {
        var e = Engine();
        // Contract scalars only: operation/server/tool/capability/record are dropped; empty action type becomes the record type.
        var r = new ActionRequest
        {
            Operation = "promote", Capability = "cap", Server = "s", Record = Rec("{\"approval_state\":\"denied\"}"),
            ReleaseGovernance = Rec("{\"metadata_kind\":\"rollout-evidence-capture\",\"approval_required_count\":0,\"delivery_success\":false,\"failed_providers\":[]}"),
        };
        var d = e.Evaluate(r);
        Assert.Equal(("release_governance_record", "release_governance.record.verified", "verify"), (d.ActionType, d.RuleId, d.RequestedOperation));
        // An all-zero contract leaves the record absent (and the action type empty → unknown action).
        d = e.Evaluate(new ActionRequest { ReleaseGovernance = Rec("{\"blocked_count\":0,\"approval_state\":\"\"}") });
        Assert.Equal("runtime.default.require_approval", d.RuleId);
        d = e.Evaluate(new ActionRequest { ActionType = "release_governance_record", ReleaseGovernance = JsonObject.Empty });
        Assert.Equal("release_governance.record.missing", d.RuleId);
        // A type error in the contract: it is ignored and the runtime request (with its record) is evaluated.
        d = e.Evaluate(new ActionRequest
        {
            ActionType = "release_governance_record", Record = Rec("{\"metadata_kind\":\"rollout-evidence-capture\"}"),
            ReleaseGovernance = Rec("{\"metadata_kind\":\"release-connector-delivery\",\"blocked_count\":\"1\"}"),
        });
        Assert.Equal("release_governance.record.verified", d.RuleId);
        d = e.Evaluate(new ActionRequest { ActionType = "release_governance_record", ReleaseGovernance = Rec("{\"blocked_count\":1.0}") });
        Assert.Equal("release_governance.record.missing", d.RuleId); // 1.0 is not a Go int
        // delivery_success survives conversion only when true; typed keys bind case-insensitively.
        d = e.Evaluate(new ActionRequest { ActionType = "release_governance_record", ReleaseGovernance = Rec("{\"Metadata_Kind\":\"release-connector-delivery\",\"DELIVERY_SUCCESS\":true}") });
        Assert.Equal("release_governance.record.verified", d.RuleId);
    }

    // ---- unknown action docs/design/decisions.md §4.8 ----

    [Fact]
    public void Unknown_action_echoes_type_target_and_operation()
    {
        var d = Engine().Evaluate(new ActionRequest { ActionType = "Read_File", Target = "t", RequestedOperation = "ro", Capability = "c" });
        Assert.Equal(("Read_File", "t", "ro", "runtime.default.require_approval", "Repository Owners"), (d.ActionType, d.Target, d.RequestedOperation, d.RuleId, d.ApproverGroup));
        d = Engine().Evaluate(new ActionRequest());
        Assert.Equal(("", "", "", "runtime.default.require_approval"), (d.ActionType, d.Target, d.RequestedOperation, d.RuleId));
    }

    // ---- metadata docs/design/decisions.md §2.3 ----

    [Fact]
    public void Metadata_defaults_ids_evidence_and_timestamp()
    {
        var clock = new SettableClock(new DateTimeOffset(2026, 5, 18, 12, 0, 0, TimeSpan.Zero).AddTicks(1_234_000));
        var d = new DecisionEngine(clock: clock).Evaluate(new ActionRequest { ActionType = "read_file", Target = "a" });
        Assert.Equal(("local", "unknown-agent", "ai-agent"), (d.SessionId, d.AgentId, d.Actor));
        Assert.Matches("^dec_[0-9a-f]{12}$", d.DecisionId);
        Assert.Matches("^corr_[0-9a-f]{12}$", d.CorrelationId);
        Assert.Equal(new[] { "evidence://local/" + d.DecisionId }, d.EvidenceRefs);
        Assert.Equal("2026-05-18T12:00:00.1234Z", d.Timestamp);
        clock.Now = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2));
        Assert.Equal("2026-01-02T01:04:05Z", new DecisionEngine(clock: clock).Evaluate(new ActionRequest()).Timestamp);
        clock.Now = new DateTimeOffset(2026, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_999);
        Assert.Equal("2026-12-31T23:59:59.9999999Z", new DecisionEngine(clock: clock).Evaluate(new ActionRequest()).Timestamp);
        clock.Now = new DateTimeOffset(2026, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(5_000_000);
        Assert.Equal("2026-12-31T23:59:59.5Z", new DecisionEngine(clock: clock).Evaluate(new ActionRequest()).Timestamp);
    }

    [Fact]
    public void Timestamps_match_Go_RFC3339Nano_for_any_time()
    {
        var rng = new Random(7);
        var clock = new SettableClock(DateTimeOffset.UnixEpoch);
        var engine = new DecisionEngine(clock: clock);
        for (int i = 0; i < 5000; i++)
        {
            // Runs of nearby times exercise the per-second prefix cache, jumps exercise its refresh.
            clock.Now = i % 10 == 0
                ? new DateTimeOffset(rng.NextInt64(DateTimeOffset.UnixEpoch.Ticks, new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero).Ticks), TimeSpan.Zero)
                : clock.Now.AddTicks(rng.Next(0, 3) == 0 ? 0 : rng.Next(1, 20_000_000));
            if (i % 7 == 0) clock.Now = new DateTimeOffset(clock.Now.Ticks / 10_000_000 * 10_000_000, TimeSpan.Zero);
            string expected = clock.Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture) + "Z";
            Assert.Equal(expected, engine.Evaluate(new ActionRequest()).Timestamp);
        }
    }

    [Fact]
    public void Ids_are_unique_across_threads()
    {
        var engine = Engine();
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 2000; i++)
            {
                var d = engine.Evaluate(new ActionRequest { ActionType = "execute_command", Target = "terraform plan", SessionId = "s" });
                ids.Add(d.DecisionId);
                ids.Add(d.CorrelationId.Substring(1)); // keep corr_ and dec_ apart from each other
                Assert.Equal("evidence://s/" + d.DecisionId, d.EvidenceRefs[0]);
            }
        });
        Assert.Equal(ids.Count, ids.Distinct().Count());
        // Random hex: all sixteen digits show up.
        var digits = string.Concat(ids.Take(200).Select(s => s.Substring(s.IndexOf('_') + 1))).Distinct().Count();
        Assert.Equal(16, digits);
    }

    [Fact]
    public void Evaluate_never_throws()
    {
        var engine = Engine(Conformance.CompiledPolicyFixture(), Conformance.RegistryFixture());
        Assert.Equal("runtime.default.require_approval", engine.Evaluate(null!).RuleId);
        var r = new ActionRequest();
        foreach (var prop in typeof(ActionRequest).GetProperties().Where(p => p.PropertyType == typeof(string) && p.CanWrite)) prop.SetValue(r, null);
        Assert.Equal("", r.Target);
        foreach (var type in DecisionEngine.ActionTypes.Append("x"))
        {
            r.ActionType = type;
            Assert.NotNull(engine.Evaluate(r));
        }
    }

    [Fact]
    public void Fail_closed_decision()
    {
        var d = Decision.FailClosed(new ActionRequest { ActionType = "read_file", Target = "t", Capability = "c", SessionId = "s" }, "runtime.policy.unavailable", "critical", "why", Conformance.Clock());
        Assert.Equal(("block", "runtime.policy.unavailable", "critical", "why"), (d.Verdict, d.RuleId, d.Severity, d.Reason));
        Assert.Equal(("read_file", "t", "c", "cavra-ai-agent-baseline"), (d.ActionType, d.Target, d.RequestedOperation, d.PolicyPack));
        Assert.StartsWith("evidence://s/dec_", d.EvidenceRefs[0]);
        Assert.Equal("2026-05-18T12:00:00.1234Z", d.Timestamp);
    }

    [Fact]
    public void Decisions_are_the_same_for_every_thread_and_instance()
    {
        var a = Engine().Evaluate(new ActionRequest { ActionType = "execute_command", Target = "terraform apply" });
        var b = Engine().Evaluate(new ActionRequest { ActionType = "execute_command", Target = "terraform apply" });
        Assert.NotEqual(a.DecisionId, b.DecisionId);
        Assert.Equal("Matched blocked command policy: terraform apply*", a.Reason);
        Assert.Same(a.Reason, b.Reason); // precomputed per pattern
    }
}

/// <summary>A clock that may move backwards, which FakeTimeProvider refuses; the timestamp tests jump around in time.</summary>
internal sealed class SettableClock : TimeProvider
{
    public SettableClock(DateTimeOffset now) { Now = now; }
    public DateTimeOffset Now { get; set; }
    public override DateTimeOffset GetUtcNow() => Now.ToUniversalTime();
}
