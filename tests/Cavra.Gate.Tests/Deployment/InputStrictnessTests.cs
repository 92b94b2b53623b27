using System.Text;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Tests.Deployment;

/// <summary>
/// docs/design/README.md §4: every input of the deployment and promotion gate fails closed. No corruption of any file throws;
/// each makes the promotion report needs_attention, with a warn check whose message names the problem.
/// </summary>
public sealed class InputStrictnessTests : IDisposable
{
    private readonly EvidenceSet _files = new();
    public void Dispose() => _files.Dispose();

    private static readonly string[] Inputs = { EvidenceSet.Promotion, EvidenceSet.Endpoint, EvidenceSet.CiRunner, EvidenceSet.Channels, EvidenceSet.Updater };

    private static string PrimaryCheck(string input) => input switch
    {
        EvidenceSet.Promotion => "go_parity_evidence",
        EvidenceSet.Endpoint => "go_endpoint_deployment_manifest",
        EvidenceSet.CiRunner => "go_ci_runner_bundles",
        EvidenceSet.Channels => "go_workstation_channels",
        _ => "go_workstation_updater_policy",
    };

    /// <summary>Read-level corruptions: name, expected text in the message, and how to corrupt the original bytes.</summary>
    private static readonly (string Name, string Expected, Func<string, byte[]> Corrupt)[] ReadCorruptions =
    {
        ("empty file", "metadata JSON is invalid: file is empty", _ => Array.Empty<byte>()),
        ("whitespace only", "metadata JSON is invalid: Expecting value", _ => "  \n"u8.ToArray()),
        ("truncated", "metadata JSON is invalid", t => Encoding.UTF8.GetBytes(t.Substring(0, t.Length / 2))),
        ("trailing data", "metadata JSON is invalid: Extra data", t => Encoding.UTF8.GetBytes(t + " {}")),
        ("duplicate key", "Duplicate key \"schema_version\"", t => Encoding.UTF8.GetBytes(t.Replace("\"schema_version\":", "\"schema_version\": \"x\", \"schema_version\":"))),
        ("NaN", "NaN is not a valid JSON number", t => Encoding.UTF8.GetBytes(t.Insert(t.IndexOf('{') + 1, "\"n\": NaN,"))),
        ("Infinity", "Infinity is not a valid JSON number", t => Encoding.UTF8.GetBytes(t.Insert(t.IndexOf('{') + 1, "\"n\": Infinity,"))),
        ("negative Infinity", "metadata JSON is invalid", t => Encoding.UTF8.GetBytes(t.Insert(t.IndexOf('{') + 1, "\"n\": -Infinity,"))),
        ("invalid UTF-8", "not valid UTF-8", t => Encoding.UTF8.GetBytes(t.Insert(t.IndexOf('{') + 1, "\"n\": \"x\",")).Select(b => b == (byte)'x' ? (byte)0xC3 : b).ToArray()),
        ("UTF-16", "metadata JSON is invalid", t => Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(t)).ToArray()),
        ("2 MiB", "larger than 1 MiB", t => Encoding.UTF8.GetBytes(t.Insert(t.IndexOf('{') + 1, "\"pad\": \"" + new string('x', 2 * 1024 * 1024) + "\","))),
        ("65-deep nesting", "JSON nesting is deeper than 64 levels", t => Encoding.UTF8.GetBytes(t.Insert(t.IndexOf('{') + 1, "\"deep\": " + new string('[', 64) + new string(']', 64) + ","))),
        ("array document", "metadata JSON must be an object", t => Encoding.UTF8.GetBytes("[" + t + "]")),
        ("null document", "metadata JSON must be an object", _ => "null"u8.ToArray()),
        ("string document", "metadata JSON must be an object", _ => "\"{}\""u8.ToArray()),
    };

    public static TheoryData<string, string> InputsAndCorruptions()
    {
        var data = new TheoryData<string, string>();
        foreach (var input in Inputs)
            foreach (var c in ReadCorruptions) data.Add(input, c.Name);
        return data;
    }

    private PromotionReadinessReport EvaluateWithoutThrowing(GateContext? context = null, string what = "")
    {
        PromotionReadinessReport r;
        try
        {
            r = PromotionReadinessReport.Evaluate(context ?? _files.Context());
            _ = CanonicalJsonWriter.Serialize(r);
        }
        catch (Exception ex) { throw new Xunit.Sdk.XunitException($"{what}: threw {ex}"); }
        return r;
    }

    private static void AssertFailsClosed(PromotionReadinessReport r, string checkId, string expected, string what)
    {
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        var check = Assert.Single(r.Checks.Concat(r.Deployment.Checks), c => c.Id == checkId);
        Assert.True(check.Status == CheckStatus.Warn, $"{what}: {checkId} passed");
        Assert.Contains(expected, check.Message);
    }

    [Theory]
    [MemberData(nameof(InputsAndCorruptions))]
    public void Every_read_level_corruption_of_every_input_fails_closed(string input, string corruption)
    {
        var (_, expected, corrupt) = ReadCorruptions.Single(c => c.Name == corruption);
        _files.WriteBytes(input, corrupt(_files.Read(input)));
        var r = EvaluateWithoutThrowing(what: $"{input} / {corruption}");
        AssertFailsClosed(r, PrimaryCheck(input), expected, $"{input} / {corruption}");
    }

    public static TheoryData<string> AllInputs()
    {
        var data = new TheoryData<string>();
        foreach (var input in Inputs) data.Add(input);
        return data;
    }

    [Theory]
    [MemberData(nameof(AllInputs))]
    public void A_directory_in_place_of_an_input_fails_closed(string input)
    {
        File.Delete(_files.PathOf(input));
        Directory.CreateDirectory(_files.PathOf(input));
        AssertFailsClosed(EvaluateWithoutThrowing(what: input), PrimaryCheck(input), "metadata file is missing", input);
    }

    [Theory]
    [MemberData(nameof(AllInputs))]
    public void A_missing_input_fails_closed(string input)
    {
        File.Delete(_files.PathOf(input));
        AssertFailsClosed(EvaluateWithoutThrowing(what: input), PrimaryCheck(input), "metadata file is missing", input);
    }

    [Theory]
    [MemberData(nameof(AllInputs))]
    public void An_unreadable_input_fails_closed(string input)
    {
        var ctx = _files.Context();
        string target = _files.PathOf(input);
        ctx.Files.OpenRead = p => p == target ? throw new UnauthorizedAccessException("Access to the path is denied.") : File.OpenRead(p);
        AssertFailsClosed(EvaluateWithoutThrowing(ctx, input), PrimaryCheck(input), "metadata file could not be read: permission denied", input);
    }

    [Theory]
    [MemberData(nameof(AllInputs))]
    public void An_io_error_while_reading_fails_closed(string input)
    {
        var ctx = _files.Context();
        string target = _files.PathOf(input);
        ctx.Files.OpenRead = p => p == target ? throw new IOException("device not ready") : File.OpenRead(p);
        AssertFailsClosed(EvaluateWithoutThrowing(ctx, input), PrimaryCheck(input), "metadata file could not be read: device not ready", input);
    }

    [Theory]
    [MemberData(nameof(AllInputs))]
    public void A_byte_order_mark_is_accepted(string input)
    {
        _files.WriteBytes(input, new byte[] { 0xEF, 0xBB, 0xBF }.Concat(File.ReadAllBytes(_files.PathOf(input))).ToArray());
        var r = EvaluateWithoutThrowing(what: input);
        Assert.Equal(ReportStatus.Ready, r.Status);
    }

    [Theory]
    [MemberData(nameof(AllInputs))]
    public void Nesting_of_exactly_64_levels_is_accepted(string input)
    {
        var t = _files.Read(input);
        _files.Write(input, t.Insert(t.IndexOf('{') + 1, "\"deep\": " + new string('[', 63) + new string(']', 63) + ","));
        Assert.Equal(ReportStatus.Ready, EvaluateWithoutThrowing(what: input).Status);
    }

    [Fact]
    public void The_uncorrupted_set_is_ready() => Assert.Equal(ReportStatus.Ready, EvaluateWithoutThrowing().Status);

    /// <summary>Shape problems: input, top-level member, its new raw value (null removes it), the check that must warn, text in its message.</summary>
    public static TheoryData<string, string, string?, string, string> ShapeCases => new()
    {
        // promotion evidence
        { EvidenceSet.Promotion, "schema_version", null, "go_parity_evidence", "promotion evidence has an invalid schema_version" },
        { EvidenceSet.Promotion, "schema_version", "null", "go_parity_evidence", "promotion evidence has an invalid schema_version" },
        { EvidenceSet.Promotion, "schema_version", "[\"cavra.go-backend-promotion-evidence.v1\"]", "go_parity_evidence", "promotion evidence has an invalid schema_version" },
        { EvidenceSet.Promotion, "parity_status", null, "go_parity_evidence", "must record parity_status=pass" },
        { EvidenceSet.Promotion, "parity_status", "null", "go_parity_evidence", "must record parity_status=pass" },
        { EvidenceSet.Promotion, "parity_status", "true", "go_parity_evidence", "must record parity_status=pass" },
        { EvidenceSet.Promotion, "deployment_status", "{\"status\": \"ready\"}", "go_parity_evidence", "must record deployment_status=ready" },
        { EvidenceSet.Promotion, "evidence_refs", "null", "go_parity_evidence", "evidence_refs must be a list of strings" },
        { EvidenceSet.Promotion, "evidence_refs", "\"go-runtime-parity://ci\"", "go_parity_evidence", "evidence_refs must be a list of strings" },
        { EvidenceSet.Promotion, "evidence_refs", "[{\"ref\": \"x\"}]", "go_parity_evidence", "evidence_refs must be a list of strings" },
        { EvidenceSet.Promotion, "approved", null, "go_promotion_approval", "promotion evidence must be approved" },
        { EvidenceSet.Promotion, "approved", "null", "go_promotion_approval", "promotion evidence must be approved" },
        { EvidenceSet.Promotion, "approved", "\"true\"", "go_promotion_approval", "promotion evidence must be approved" },
        { EvidenceSet.Promotion, "approved", "1", "go_promotion_approval", "promotion evidence must be approved" },
        { EvidenceSet.Promotion, "expires_at", "null", "go_parity_evidence", "expires_at is not a valid ISO 8601 timestamp" },
        { EvidenceSet.Promotion, "runtime_sha256", "null", "go_parity_evidence", "runtime_sha256 must be a SHA-256 hex digest" },
        // endpoint deployment manifest: parse-only check, the CI runner summary names the problem
        { EvidenceSet.Endpoint, "deployment_targets", "null", "go_ci_runner_bundles", "endpoint deployment manifest deployment_targets must be a list, found null" },
        { EvidenceSet.Endpoint, "deployment_targets", "\"github-actions-linux-amd64-runner\"", "go_ci_runner_bundles", "deployment_targets must be a list, found a string" },
        { EvidenceSet.Endpoint, "deployment_targets", "{\"id\": \"github-actions-linux-amd64-runner\"}", "go_ci_runner_bundles", "deployment_targets must be a list, found an object" },
        { EvidenceSet.Endpoint, "deployment_targets", "[7, {\"id\": \"github-actions-linux-amd64-runner\", \"surface\": \"ci-runner\"}]", "go_ci_runner_bundles", "deployment_targets entry is invalid" },
        { EvidenceSet.Endpoint, "deployment_targets", null, "go_ci_runner_bundles", "invalid CI runner target: github-actions-linux-amd64-runner" },
        { EvidenceSet.Endpoint, "deployment_targets", "[{\"id\": null, \"surface\": \"ci-runner\"}]", "go_ci_runner_bundles", "invalid CI runner target: github-actions-linux-amd64-runner" },
        { EvidenceSet.Endpoint, "deployment_targets", "[{\"id\": \"github-actions-linux-amd64-runner\", \"surface\": null}]", "go_ci_runner_bundles", "invalid CI runner target" },
        // CI runner bundles
        { EvidenceSet.CiRunner, "schema_version", "null", "go_ci_runner_bundles", "CI runner bundle metadata has an invalid schema_version" },
        { EvidenceSet.CiRunner, "source_metadata", null, "go_ci_runner_bundles", "must reference cavra-runtime.endpoint-deployment.json" },
        { EvidenceSet.CiRunner, "controls", null, "go_ci_runner_bundles", "CI runner bundle metadata is missing controls: " },
        { EvidenceSet.CiRunner, "controls", "null", "go_ci_runner_bundles", "controls must be a list of strings, found null" },
        { EvidenceSet.CiRunner, "controls", "\"verified-signed-runtime-before-runner-use\"", "go_ci_runner_bundles", "controls must be a list of strings, found a string" },
        { EvidenceSet.CiRunner, "controls", "[null]", "go_ci_runner_bundles", "controls must be a list of strings" },
        { EvidenceSet.CiRunner, "runner_bundles", null, "go_ci_runner_bundles", "CI runner bundle metadata has no runner_bundles" },
        { EvidenceSet.CiRunner, "runner_bundles", "null", "go_ci_runner_bundles", "runner_bundles must be a list, found null" },
        { EvidenceSet.CiRunner, "runner_bundles", "\"bundles\"", "go_ci_runner_bundles", "runner_bundles must be a list, found a string" },
        { EvidenceSet.CiRunner, "runner_bundles", "5", "go_ci_runner_bundles", "runner_bundles must be a list, found a number" },
        { EvidenceSet.CiRunner, "runner_bundles", "[7]", "go_ci_runner_bundles", "CI runner bundle entry is invalid" },
        { EvidenceSet.CiRunner, "runner_bundles", "[{\"platform\": null, \"deployment_target\": null, \"required_outputs\": null}]", "go_ci_runner_bundles", "missing platform or deployment_target" },
        // workstation channels
        { EvidenceSet.Channels, "schema_version", "5", "go_workstation_channels", "workstation channel manifest has an invalid schema_version" },
        { EvidenceSet.Channels, "source_metadata", "null", "go_workstation_channels", "must reference cavra-runtime.endpoint-deployment.json" },
        { EvidenceSet.Channels, "channels", null, "go_workstation_channels", "workstation channel manifest has no channels" },
        { EvidenceSet.Channels, "channels", "null", "go_workstation_channels", "channels must be a list, found null" },
        { EvidenceSet.Channels, "channels", "\"stable\"", "go_workstation_channels", "channels must be a list, found a string" },
        { EvidenceSet.Channels, "channels", "[null]", "go_workstation_channels", "workstation channel entry is invalid" },
        { EvidenceSet.Channels, "channels", "[{\"channel\": \"stable\", \"auto_update\": false, \"approval_required\": true, \"workstation_targets\": null}]", "go_workstation_channels", "channel stable has no workstation targets" },
        { EvidenceSet.Channels, "channels", "[{\"channel\": \"stable\", \"auto_update\": false, \"approval_required\": true, \"workstation_targets\": [\"x\"]}]", "go_workstation_channels", "channel stable workstation target is invalid" },
        { EvidenceSet.Channels, "channels", "[{\"channel\": \"stable\", \"auto_update\": null, \"approval_required\": null, \"workstation_targets\": [{}]}]", "go_workstation_channels", "channel stable must require approval and disable auto update" },
        // workstation updater policy
        { EvidenceSet.Updater, "schema_version", null, "go_workstation_updater_policy", "workstation updater policy has an invalid schema_version" },
        { EvidenceSet.Updater, "source_channel_manifest", "null", "go_workstation_updater_policy", "must reference cavra-runtime.channels.json" },
        { EvidenceSet.Updater, "default_auto_update", "null", "go_workstation_updater_policy", "must disable automatic updates by default" },
        { EvidenceSet.Updater, "default_auto_update", null, "go_workstation_updater_policy", "must disable automatic updates by default" },
        { EvidenceSet.Updater, "policies", null, "go_workstation_updater_policy", "workstation updater policy has no channel policies" },
        { EvidenceSet.Updater, "policies", "null", "go_workstation_updater_policy", "policies must be a list, found null" },
        { EvidenceSet.Updater, "policies", "\"stable\"", "go_workstation_updater_policy", "policies must be a list, found a string" },
        { EvidenceSet.Updater, "policies", "[7, {\"channel\": \"stable\"}]", "go_workstation_updater_policy", "workstation updater policy entry is invalid" },
        { EvidenceSet.Updater, "policies", "[{\"channel\": null}]", "go_workstation_updater_policy", "workstation updater policy has no channel policies" },
    };

    [Theory]
    [MemberData(nameof(ShapeCases))]
    public void Every_shape_problem_fails_closed_with_a_message_naming_it(string input, string key, string? raw, string checkId, string expected)
    {
        _files.Edit(input, (key, raw));
        var what = $"{input} / {key}={raw ?? "(absent)"}";
        AssertFailsClosed(EvaluateWithoutThrowing(what: what), checkId, expected, what);
    }

    [Theory]
    [MemberData(nameof(AllInputs))]
    public void Every_value_null_fails_closed(string input)
    {
        var doc = EvidenceSet.Json(_files.Read(input));
        _files.Edit(input, doc.Members.Select(m => (m.Key, (string?)"null")).ToArray());
        var r = EvaluateWithoutThrowing(what: input);
        Assert.Equal(ReportStatus.NeedsAttention, r.Status);
        Assert.Contains(r.Checks.Concat(r.Deployment.Checks), c => !c.Passed && c.Id != "go_deployment_ready");
    }

    [Theory]
    [MemberData(nameof(AllInputs))]
    public void Every_string_turned_into_a_number_fails_closed(string input)
    {
        _files.Write(input, System.Text.RegularExpressions.Regex.Replace(_files.Read(input), ":\\s*\"[^\"]*\"", ": 1"));
        Assert.Equal(ReportStatus.NeedsAttention, EvaluateWithoutThrowing(what: input).Status);
    }

    [Theory]
    [MemberData(nameof(AllInputs))]
    public void Every_list_turned_into_a_string_fails_closed(string input)
    {
        var text = _files.Read(input);
        if (input == EvidenceSet.Promotion) text = text.Replace("\"approved\": true", "\"approved\": []"); // its only list is optional; make approval a list too
        _files.Write(input, System.Text.RegularExpressions.Regex.Replace(text, ":\\s*\\[[^\\]]*\\]", ": \"x\""));
        Assert.Equal(ReportStatus.NeedsAttention, EvaluateWithoutThrowing(what: input).Status);
    }
}
