using Cavra.Gate.Evidence;
using Cavra.Gate.Json;

namespace Cavra.Gate.Tests.Deployment;

public class CiRunnerBundlesTests
{
    private static readonly string CiExample = EvidenceSet.Example(EvidenceSet.CiRunner);
    private static readonly string EndpointExample = EvidenceSet.Example(EvidenceSet.Endpoint);

    private static CiRunnerBundles Summarize(string ci, string? endpoint = null) =>
        CiRunnerBundles.Summarize(EvidenceSet.Json(ci), EvidenceSet.Json(endpoint ?? EndpointExample));

    private static CiRunnerBundles WithCi(params (string, string?)[] changes) => Summarize(EvidenceSet.With(CiExample, changes));
    private static CiRunnerBundles WithEndpoint(params (string, string?)[] changes) => Summarize(CiExample, EvidenceSet.With(EndpointExample, changes));

    private const string Bundle = "{\"platform\": \"GitHub Actions\", \"deployment_target\": \"github-actions-linux-amd64-runner\", \"runtime_binary\": \"bin/rt\", \"required_outputs\": [\"out/release-governance-evidence-verification.json\"]}";

    [Fact]
    public void The_example_is_valid_and_lists_its_targets()
    {
        var s = Summarize(CiExample);
        Assert.True(s.Valid, s.Message);
        Assert.Equal(CiRunnerBundles.SuccessMessage, s.Message);
        Assert.Empty(s.MissingControls);
        var t = Assert.Single(s.Targets);
        Assert.Equal("github-actions-linux-amd64-runner", t.DeploymentTarget);
        Assert.Equal("GitHub Actions", t.Platform);
        Assert.Equal("bin/cavra-runtime_linux_amd64", t.RuntimeBinary);
        Assert.Equal("ci-runner", t.Surface);
    }

    [Fact]
    public void Summary_and_target_rows_write_upstream_keys_in_order()
    {
        var doc = EvidenceSet.Canonical(Summarize(CiExample));
        Assert.Equal(new[] { "valid", "targets", "message" }, EvidenceSet.Keys(doc));
        var row = (JsonObject)((JsonArray)doc.Get("targets")!).Items[0];
        Assert.Equal(new[] { "deployment_target", "platform", "runtime_binary", "surface" }, EvidenceSet.Keys(row));
    }

    public static TheoryData<string, string?, string> TopLevelCases => new()
    {
        { "schema_version", "\"cavra.go-runtime.ci-runner-bundles.v2\"", "CI runner bundle metadata has an invalid schema_version" },
        { "schema_version", "null", "CI runner bundle metadata has an invalid schema_version" },
        { "schema_version", "1", "CI runner bundle metadata has an invalid schema_version" },
        { "schema_version", null, "CI runner bundle metadata has an invalid schema_version" },
        { "source_metadata", "\"other.json\"", "CI runner bundle metadata must reference cavra-runtime.endpoint-deployment.json" },
        { "source_metadata", "null", "CI runner bundle metadata must reference cavra-runtime.endpoint-deployment.json" },
        { "source_metadata", null, "CI runner bundle metadata must reference cavra-runtime.endpoint-deployment.json" },
        { "controls", "null", "CI runner bundle metadata controls must be a list of strings, found null" },
        { "controls", "\"verified-signed-runtime-before-runner-use\"", "CI runner bundle metadata controls must be a list of strings, found a string" },
        { "controls", "{\"verified-signed-runtime-before-runner-use\": true}", "CI runner bundle metadata controls must be a list of strings, found an object" },
        { "runner_bundles", null, "CI runner bundle metadata has no runner_bundles" },
        { "runner_bundles", "[]", "CI runner bundle metadata has no runner_bundles" },
        { "runner_bundles", "null", "CI runner bundle metadata has no runner_bundles (runner_bundles must be a list, found null)" },
        { "runner_bundles", "\"bundle\"", "CI runner bundle metadata has no runner_bundles (runner_bundles must be a list, found a string)" },
        { "runner_bundles", "{}", "CI runner bundle metadata has no runner_bundles (runner_bundles must be a list, found an object)" },
        { "runner_bundles", "[7]", "CI runner bundle entry is invalid" },
        { "runner_bundles", "[null, " + Bundle + "]", "CI runner bundle entry is invalid" },
    };

    [Theory]
    [MemberData(nameof(TopLevelCases))]
    public void Each_top_level_problem_is_invalid_with_its_message(string key, string? raw, string message)
    {
        var s = WithCi((key, raw));
        Assert.False(s.Valid);
        Assert.Equal(message, s.Message);
    }

    [Fact]
    public void Missing_controls_are_listed_sorted()
    {
        var s = WithCi(("controls", "[\"runner-authentication-oidc-verified\", \"evidence-verification-artifact-published\", \"runner-authentication-claims-signed\"]"));
        Assert.False(s.Valid);
        Assert.Equal("CI runner bundle metadata is missing controls: blocking-decision-fails-closed-by-default, daemon-evidence-stream-hmac-signed, verified-signed-runtime-before-runner-use", s.Message);
        Assert.Equal(new[] { "blocking-decision-fails-closed-by-default", "daemon-evidence-stream-hmac-signed", "verified-signed-runtime-before-runner-use" }, s.MissingControls);
    }

    [Fact]
    public void Absent_controls_means_every_control_is_missing()
    {
        var s = WithCi(("controls", null));
        Assert.Equal("CI runner bundle metadata is missing controls: blocking-decision-fails-closed-by-default, daemon-evidence-stream-hmac-signed, " +
            "evidence-verification-artifact-published, runner-authentication-claims-signed, runner-authentication-oidc-verified, verified-signed-runtime-before-runner-use", s.Message);
    }

    [Fact]
    public void Non_string_controls_are_invalid_even_with_every_control_present()
    {
        var all = string.Join(", ", CiRunnerBundles.RequiredControls.Select(c => "\"" + c + "\""));
        Assert.True(WithCi(("controls", "[" + all + ", \"extra-control\"]")).Valid);
        var s = WithCi(("controls", "[" + all + ", {\"x\": 1}]"));
        Assert.False(s.Valid);
        Assert.Equal("CI runner bundle metadata controls must be a list of strings", s.Message);
        Assert.False(WithCi(("controls", "[" + all + ", null]")).Valid);
    }

    [Fact]
    public void Failure_messages_join_in_upstream_order()
    {
        var s = WithCi(("schema_version", "\"x\""), ("source_metadata", "\"y\""), ("controls", "[]"), ("runner_bundles", "[]"));
        Assert.Equal(string.Join("; ",
            "CI runner bundle metadata has an invalid schema_version",
            "CI runner bundle metadata must reference cavra-runtime.endpoint-deployment.json",
            "CI runner bundle metadata is missing controls: " + string.Join(", ", CiRunnerBundles.RequiredControls.OrderBy(c => c, StringComparer.Ordinal)),
            "CI runner bundle metadata has no runner_bundles"), s.Message);
    }

    [Fact]
    public void An_empty_document_lists_every_problem_without_throwing()
    {
        var s = CiRunnerBundles.Summarize(JsonObject.Empty, JsonObject.Empty);
        Assert.False(s.Valid);
        Assert.StartsWith("CI runner bundle metadata has an invalid schema_version; ", s.Message);
        Assert.EndsWith("; CI runner bundle metadata has no runner_bundles", s.Message);
        Assert.Empty(s.Targets);
    }

    [Fact]
    public void Bundle_without_platform_or_target_is_invalid()
    {
        var s = WithCi(("runner_bundles", "[{\"deployment_target\": \"github-actions-linux-amd64-runner\", \"required_outputs\": [\"release-governance-evidence-verification.json\"]}]"));
        Assert.Equal("CI runner bundle entry is missing platform or deployment_target", s.Message);
        var row = Assert.Single(s.Targets);
        Assert.Equal("", row.Platform);
        Assert.Equal("ci-runner", row.Surface);

        s = WithCi(("runner_bundles", "[{\"platform\": \"GitHub Actions\", \"deployment_target\": null, \"required_outputs\": [\"release-governance-evidence-verification.json\"]}]"));
        Assert.Equal("CI runner bundle entry is missing platform or deployment_target; CI runner bundle references an invalid CI runner target: unknown", s.Message);
        Assert.Equal("", Assert.Single(s.Targets).DeploymentTarget); // JSON null is never the text "None"
    }

    [Fact]
    public void Bundle_must_reference_a_known_ci_runner_target()
    {
        var unknown = WithCi(("runner_bundles", "[" + Bundle.Replace("github-actions-linux-amd64-runner", "nope") + "]"));
        Assert.Equal("CI runner bundle references an invalid CI runner target: nope", unknown.Message);
        Assert.Equal("", Assert.Single(unknown.Targets).Surface);

        var workstation = WithCi(("runner_bundles", "[" + Bundle.Replace("github-actions-linux-amd64-runner", "linux-systemd-amd64-workstation") + "]"));
        Assert.Equal("CI runner bundle references an invalid CI runner target: linux-systemd-amd64-workstation", workstation.Message);
        Assert.Equal("workstation", Assert.Single(workstation.Targets).Surface);
    }

    [Theory]
    [InlineData("[\"out/other.json\"]")]
    [InlineData("[]")]
    [InlineData("\"release-governance-evidence-verification.json\"")]
    [InlineData("null")]
    [InlineData("[{\"path\": \"release-governance-evidence-verification.json\"}]")]
    public void Bundle_must_publish_the_evidence_verification_output(string outputs)
    {
        var s = WithCi(("runner_bundles", "[" + EvidenceSet.With(Bundle, ("required_outputs", outputs)) + "]"));
        Assert.False(s.Valid);
        Assert.Equal("CI runner bundle is missing evidence verification output: github-actions-linux-amd64-runner", s.Message);
    }

    [Fact]
    public void Evidence_output_is_a_substring_match_across_outputs()
    {
        var s = WithCi(("runner_bundles", "[" + EvidenceSet.With(Bundle, ("required_outputs", "[7, \"a.json\", \"x/release-governance-evidence-verification.json.sig\"]")) + "]"));
        Assert.True(s.Valid, s.Message);
    }

    [Fact]
    public void Each_bundle_is_checked_and_listed()
    {
        var second = Bundle.Replace("github-actions-linux-amd64-runner", "missing-target");
        var s = WithCi(("runner_bundles", "[" + Bundle + ", \"junk\", " + second + "]"));
        Assert.Equal("CI runner bundle entry is invalid; CI runner bundle references an invalid CI runner target: missing-target", s.Message);
        Assert.Equal(new[] { "github-actions-linux-amd64-runner", "missing-target" }, s.Targets.Select(t => t.DeploymentTarget));
    }

    [Fact]
    public void Endpoint_deployment_targets_of_the_wrong_shape_are_invalid()
    {
        Assert.Equal("endpoint deployment manifest deployment_targets must be a list, found null; CI runner bundle references an invalid CI runner target: github-actions-linux-amd64-runner",
            WithEndpoint(("deployment_targets", "null")).Message);
        Assert.Equal("endpoint deployment manifest deployment_targets must be a list, found a string; CI runner bundle references an invalid CI runner target: github-actions-linux-amd64-runner",
            WithEndpoint(("deployment_targets", "\"github-actions-linux-amd64-runner\"")).Message);
        var withScalar = WithEndpoint(("deployment_targets", "[7, {\"id\": \"github-actions-linux-amd64-runner\", \"surface\": \"ci-runner\"}]"));
        Assert.False(withScalar.Valid);
        Assert.Equal("endpoint deployment manifest deployment_targets entry is invalid", withScalar.Message);
    }

    [Fact]
    public void Endpoint_targets_without_a_text_id_are_not_indexed_and_the_last_duplicate_wins()
    {
        Assert.False(WithEndpoint(("deployment_targets", "[{\"id\": null, \"surface\": \"ci-runner\"}]")).Valid);
        var dup = WithEndpoint(("deployment_targets",
            "[{\"id\": \"github-actions-linux-amd64-runner\", \"surface\": \"workstation\"}, {\"id\": \"github-actions-linux-amd64-runner\", \"surface\": \"ci-runner\"}]"));
        Assert.True(dup.Valid, dup.Message);
        Assert.EndsWith("invalid CI runner target: github-actions-linux-amd64-runner", WithEndpoint(("deployment_targets", null)).Message);
    }
}
