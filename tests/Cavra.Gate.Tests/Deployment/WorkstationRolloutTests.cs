using Cavra.Gate.Evidence;
using Cavra.Gate.Json;

namespace Cavra.Gate.Tests.Deployment;

public class WorkstationRolloutTests
{
    private static readonly string ChannelsExample = EvidenceSet.Example(EvidenceSet.Channels);
    private static readonly string UpdaterExample = EvidenceSet.Example(EvidenceSet.Updater);

    private const string Target = "{\"id\": \"linux-systemd-amd64-workstation\", \"platform\": \"linux/amd64\", \"deployment_channel\": \"stable\", \"management_tool\": \"linux\", \"binary\": \"bin/rt\"}";

    private static string Channel(string name = "\"stable\"", string autoUpdate = "false", string approval = "true", string? targets = null) =>
        $"{{\"channel\": {name}, \"auto_update\": {autoUpdate}, \"approval_required\": {approval}, \"workstation_targets\": {targets ?? "[" + Target + "]"}}}";

    private static WorkstationRollout Summarize(string channels, string? updater = null) =>
        WorkstationRollout.Summarize(EvidenceSet.Json(channels), EvidenceSet.Json(updater ?? UpdaterExample));

    private static WorkstationRollout WithChannels(params (string, string?)[] changes) => Summarize(EvidenceSet.With(ChannelsExample, changes));
    private static WorkstationRollout WithUpdater(params (string, string?)[] changes) => Summarize(ChannelsExample, EvidenceSet.With(UpdaterExample, changes));

    [Fact]
    public void The_examples_are_valid()
    {
        var s = Summarize(ChannelsExample);
        Assert.True(s.ChannelsValid, s.ChannelsMessage);
        Assert.True(s.UpdaterValid, s.UpdaterMessage);
        Assert.Equal(WorkstationRollout.ChannelsSuccessMessage, s.ChannelsMessage);
        Assert.Equal(WorkstationRollout.UpdaterSuccessMessage, s.UpdaterMessage);
        Assert.Equal(new[] { "stable" }, s.Channels);
        var t = Assert.Single(s.WorkstationTargets);
        Assert.Equal(("stable", "linux-systemd-amd64-workstation", "linux/amd64", "linux", "bin/cavra-runtime_linux_amd64"),
            (t.Channel, t.DeploymentTarget, t.Platform, t.ManagementTool, t.Binary));
    }

    [Fact]
    public void Summary_and_rows_write_upstream_keys_in_order()
    {
        var doc = EvidenceSet.Canonical(Summarize(ChannelsExample));
        Assert.Equal(new[] { "channels_valid", "updater_valid", "channels", "workstation_targets", "channels_message", "updater_message" }, EvidenceSet.Keys(doc));
        var row = (JsonObject)((JsonArray)doc.Get("workstation_targets")!).Items[0];
        Assert.Equal(new[] { "channel", "deployment_target", "platform", "management_tool", "binary" }, EvidenceSet.Keys(row));
    }

    public static TheoryData<string, string?, string> ChannelCases => new()
    {
        { "schema_version", "\"cavra.go-runtime.channels.v0\"", "workstation channel manifest has an invalid schema_version" },
        { "schema_version", "null", "workstation channel manifest has an invalid schema_version" },
        { "source_metadata", "\"x.json\"", "workstation channel manifest must reference cavra-runtime.endpoint-deployment.json" },
        { "source_metadata", null, "workstation channel manifest must reference cavra-runtime.endpoint-deployment.json" },
        { "channels", null, "workstation channel manifest has no channels" },
        { "channels", "[]", "workstation channel manifest has no channels" },
        { "channels", "null", "workstation channel manifest channels must be a list, found null; workstation channel manifest has no channels" },
        { "channels", "\"stable\"", "workstation channel manifest channels must be a list, found a string; workstation channel manifest has no channels" },
        { "channels", "{\"stable\": {}}", "workstation channel manifest channels must be a list, found an object; workstation channel manifest has no channels" },
        { "channels", "[7]", "workstation channel entry is invalid; workstation channel manifest has no channels" },
        { "channels", "[" + Channel(autoUpdate: "true") + "]", "channel stable must require approval and disable auto update" },
        { "channels", "[" + Channel(autoUpdate: "null") + "]", "channel stable must require approval and disable auto update" },
        { "channels", "[" + Channel(autoUpdate: "0") + "]", "channel stable must require approval and disable auto update" },
        { "channels", "[" + Channel(approval: "\"true\"") + "]", "channel stable must require approval and disable auto update" },
        { "channels", "[" + Channel(approval: "1") + "]", "channel stable must require approval and disable auto update" },
        { "channels", "[" + Channel(targets: "[]") + "]", "channel stable has no workstation targets" },
        { "channels", "[" + Channel(targets: "null") + "]", "channel stable has no workstation targets" },
        { "channels", "[" + Channel(targets: "\"linux\"") + "]", "channel stable has no workstation targets" },
        { "channels", "[" + Channel(targets: "[null, " + Target + "]") + "]", "channel stable workstation target is invalid" },
        { "channels", "[" + Channel(targets: "[" + Target.Replace("\"linux/amd64\"", "null") + "]") + "]", "channel stable target is missing deployment guidance" },
        { "channels", "[" + Channel(targets: "[" + Target.Replace("\"stable\"", "\"\"") + "]") + "]", "channel stable target is missing deployment guidance" },
        { "channels", "[" + Channel(targets: "[" + Target.Replace("\"linux\"", "7") + "]") + "]", "channel stable target is missing deployment guidance" },
        { "channels", "[" + Channel(targets: "[{\"platform\": \"linux/amd64\", \"deployment_channel\": \"stable\", \"management_tool\": \"linux\"}]") + "]", "channel stable target is missing deployment guidance" },
    };

    [Theory]
    [MemberData(nameof(ChannelCases))]
    public void Each_channel_manifest_problem_is_invalid_with_its_message(string key, string? raw, string message)
    {
        var s = WithChannels((key, raw));
        Assert.False(s.ChannelsValid);
        Assert.Equal(message, s.ChannelsMessage);
    }

    [Fact]
    public void A_channel_without_a_name_is_unknown_in_the_approval_message_and_still_collected()
    {
        var s = WithChannels(("channels", "[" + Channel(name: "null", autoUpdate: "true") + "]"));
        Assert.Equal("channel unknown must require approval and disable auto update", s.ChannelsMessage);
        Assert.Equal(new[] { "" }, s.Channels);
        Assert.False(s.UpdaterValid); // "" never matches a policy channel
        Assert.Equal("workstation updater policy channels must match channel manifest channels", s.UpdaterMessage);
    }

    [Fact]
    public void Names_are_collected_in_order_with_duplicates_and_every_target_row_is_listed()
    {
        var beta = Channel(name: "\"beta\"", targets: "[" + Target + ", " + Target.Replace("linux-systemd", "mac") + "]");
        var s = WithChannels(("channels", "[" + Channel() + ", " + beta + ", " + Channel() + "]"));
        Assert.Equal(new[] { "stable", "beta", "stable" }, s.Channels);
        Assert.Equal(4, s.WorkstationTargets.Count);
        Assert.Equal("mac-amd64-workstation", s.WorkstationTargets[2].DeploymentTarget);
        Assert.Equal("beta", s.WorkstationTargets[2].Channel);
        Assert.True(s.ChannelsValid);
        Assert.Equal("workstation updater policy channels must match channel manifest channels", s.UpdaterMessage);
    }

    [Fact]
    public void Channel_messages_join_in_upstream_order()
    {
        var s = WithChannels(("schema_version", "\"x\""), ("source_metadata", "\"y\""),
            ("channels", "[" + Channel(name: "\"a\"", autoUpdate: "true", targets: "[]") + "]"));
        Assert.Equal("workstation channel manifest has an invalid schema_version; workstation channel manifest must reference cavra-runtime.endpoint-deployment.json; " +
            "channel a must require approval and disable auto update; channel a has no workstation targets", s.ChannelsMessage);
    }

    public static TheoryData<string, string?, string> UpdaterCases => new()
    {
        { "schema_version", "\"cavra.go-runtime.updater-policy.v9\"", "workstation updater policy has an invalid schema_version" },
        { "schema_version", null, "workstation updater policy has an invalid schema_version" },
        { "source_channel_manifest", "\"cavra-runtime.endpoint-deployment.json\"", "workstation updater policy must reference cavra-runtime.channels.json" },
        { "source_channel_manifest", "null", "workstation updater policy must reference cavra-runtime.channels.json" },
        { "default_auto_update", "true", "workstation updater policy must disable automatic updates by default" },
        { "default_auto_update", "null", "workstation updater policy must disable automatic updates by default" },
        { "default_auto_update", "0", "workstation updater policy must disable automatic updates by default" },
        { "default_auto_update", "\"false\"", "workstation updater policy must disable automatic updates by default" },
        { "default_auto_update", null, "workstation updater policy must disable automatic updates by default" },
        { "policies", null, "workstation updater policy has no channel policies" },
        { "policies", "[]", "workstation updater policy has no channel policies" },
        { "policies", "[{\"channel\": null}, {\"channel\": \"\"}, {\"channel\": 5}]", "workstation updater policy has no channel policies" },
        { "policies", "null", "workstation updater policy has no channel policies (policies must be a list, found null)" },
        { "policies", "\"stable\"", "workstation updater policy has no channel policies (policies must be a list, found a string)" },
        { "policies", "{\"channel\": \"stable\"}", "workstation updater policy has no channel policies (policies must be a list, found an object)" },
        { "policies", "[7, {\"channel\": \"stable\"}]", "workstation updater policy entry is invalid" },
        { "policies", "[{\"channel\": \"stable\"}, {\"channel\": \"beta\"}]", "workstation updater policy channels must match channel manifest channels" },
        { "policies", "[{\"channel\": \"beta\"}]", "workstation updater policy channels must match channel manifest channels" },
    };

    [Theory]
    [MemberData(nameof(UpdaterCases))]
    public void Each_updater_policy_problem_is_invalid_with_its_message(string key, string? raw, string message)
    {
        var s = WithUpdater((key, raw));
        Assert.False(s.UpdaterValid);
        Assert.Equal(message, s.UpdaterMessage);
        Assert.True(s.ChannelsValid); // the updater never affects the channel check
    }

    [Fact]
    public void Policy_channels_are_a_set_and_duplicates_are_fine()
    {
        var s = WithUpdater(("policies", "[{\"channel\": \"stable\"}, {\"channel\": \"stable\", \"auto_update\": true}]"));
        Assert.True(s.UpdaterValid, s.UpdaterMessage);
    }

    [Fact]
    public void No_manifest_channels_skips_the_match_check()
    {
        var s = Summarize(EvidenceSet.With(ChannelsExample, ("channels", "[]")));
        Assert.True(s.UpdaterValid, s.UpdaterMessage);
    }

    [Fact]
    public void Empty_documents_fail_both_without_throwing()
    {
        var s = WorkstationRollout.Summarize(JsonObject.Empty, JsonObject.Empty);
        Assert.False(s.ChannelsValid);
        Assert.False(s.UpdaterValid);
        Assert.EndsWith("workstation channel manifest has no channels", s.ChannelsMessage);
        Assert.EndsWith("workstation updater policy has no channel policies", s.UpdaterMessage);
        Assert.Empty(s.Channels);
        Assert.Empty(s.WorkstationTargets);
    }
}
