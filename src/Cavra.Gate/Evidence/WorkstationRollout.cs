using System;
using System.Collections.Generic;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Evidence
{
    /// <summary>One row of <c>workstation_targets</c>: a workstation target of a channel in the channel manifest.</summary>
    public sealed class WorkstationTarget : ICanonicalJson
    {
        public WorkstationTarget(string channel, string deploymentTarget, string platform, string managementTool, string binary)
        {
            Channel = channel; DeploymentTarget = deploymentTarget; Platform = platform; ManagementTool = managementTool; Binary = binary;
        }

        public string Channel { get; }
        public string DeploymentTarget { get; }
        public string Platform { get; }
        public string ManagementTool { get; }
        public string Binary { get; }

        public override string ToString() => $"{Channel}: {DeploymentTarget} ({Platform}, {ManagementTool})";

        public void WriteJson(CanonicalJsonWriter w) =>
            w.StartObject().Property("channel", Channel).Property("deployment_target", DeploymentTarget).Property("platform", Platform)
             .Property("management_tool", ManagementTool).Property("binary", Binary).EndObject();
    }

    /// <summary>
    /// Upstream <c>_workstation_summary(channels_payload, updater_payload)</c> (docs/design/evidence.md §7.2): the workstation channel manifest
    /// (<c>cavra.go-runtime.channels.v1</c>) and the updater policy (<c>cavra.go-runtime.updater-policy.v1</c>).
    /// Stricter than upstream (docs/design/README.md §4.1): <c>channels</c> null or not a list, <c>policies</c> of the wrong type and
    /// non-object policy entries are invalid with a message naming the problem; null is never a non-empty string.
    /// </summary>
    public sealed class WorkstationRollout : ICanonicalJson
    {
        public const string ChannelsSchema = "cavra.go-runtime.channels.v1";
        public const string UpdaterSchema = "cavra.go-runtime.updater-policy.v1";
        public const string ChannelsSourceMetadata = DeploymentMetadataPaths.EndpointDeploymentFileName;
        public const string UpdaterSourceChannelManifest = DeploymentMetadataPaths.ChannelManifestFileName;
        public const string ChannelsSuccessMessage = "Workstation channels require approval, disable automatic updates and give deployment guidance for every target.";
        public const string UpdaterSuccessMessage = "Workstation updater policy disables automatic updates by default and covers every manifest channel.";

        private WorkstationRollout(bool channelsValid, bool updaterValid, IReadOnlyList<string> channels,
            IReadOnlyList<WorkstationTarget> targets, string channelsMessage, string updaterMessage)
        {
            ChannelsValid = channelsValid; UpdaterValid = updaterValid; Channels = channels; WorkstationTargets = targets;
            ChannelsMessage = channelsMessage; UpdaterMessage = updaterMessage;
        }

        public bool ChannelsValid { get; }
        public bool UpdaterValid { get; }
        /// <summary>Every channel name in manifest order, including empty and duplicate names (as upstream collects them).</summary>
        public IReadOnlyList<string> Channels { get; }
        public IReadOnlyList<WorkstationTarget> WorkstationTargets { get; }
        public string ChannelsMessage { get; }
        public override string ToString() => ChannelsMessage + " " + UpdaterMessage;
        public string UpdaterMessage { get; }

        /// <summary>Validates a parsed channel manifest and updater policy (either may be <see cref="JsonObject.Empty"/>). Never throws.</summary>
        public static WorkstationRollout Summarize(JsonObject channelsPayload, JsonObject updaterPayload)
        {
            var channelMessages = new List<string>();
            var names = new List<string>();
            var rows = new List<WorkstationTarget>();
            if (EvidenceFields.Text(channelsPayload, "schema_version") != ChannelsSchema)
                channelMessages.Add("workstation channel manifest has an invalid schema_version");
            if (EvidenceFields.Text(channelsPayload, "source_metadata") != ChannelsSourceMetadata)
                channelMessages.Add("workstation channel manifest must reference " + ChannelsSourceMetadata);

            var channels = channelsPayload.Get("channels");
            if (channels is JsonArray channelList)
            {
                foreach (var item in channelList.Items) ReadChannel(item, names, rows, channelMessages);
            }
            else if (channels != null)
            {
                channelMessages.Add("workstation channel manifest channels must be a list, found " + Shape.Describe(channels));
            }
            if (names.Count == 0) channelMessages.Add("workstation channel manifest has no channels");

            var updaterMessages = new List<string>();
            if (EvidenceFields.Text(updaterPayload, "schema_version") != UpdaterSchema)
                updaterMessages.Add("workstation updater policy has an invalid schema_version");
            if (EvidenceFields.Text(updaterPayload, "source_channel_manifest") != UpdaterSourceChannelManifest)
                updaterMessages.Add("workstation updater policy must reference " + UpdaterSourceChannelManifest);
            if (!(updaterPayload.Get("default_auto_update") is JsonBoolean defaultAuto) || defaultAuto.Value)
                updaterMessages.Add("workstation updater policy must disable automatic updates by default");

            var policyChannels = new HashSet<string>(StringComparer.Ordinal);
            var policies = updaterPayload.Get("policies");
            string? policiesProblem = null;
            if (policies is JsonArray policyList)
            {
                bool entriesValid = true;
                foreach (var item in policyList.Items)
                {
                    if (item is JsonObject policy)
                    {
                        string channel = EvidenceFields.Text(policy, "channel");
                        if (channel.Length > 0) policyChannels.Add(channel);
                    }
                    else entriesValid = false;
                }
                if (!entriesValid) updaterMessages.Add("workstation updater policy entry is invalid");
            }
            else if (policies != null)
            {
                policiesProblem = "policies must be a list, found " + Shape.Describe(policies);
            }
            if (policyChannels.Count == 0)
                updaterMessages.Add(policiesProblem == null
                    ? "workstation updater policy has no channel policies"
                    : "workstation updater policy has no channel policies (" + policiesProblem + ")");
            var manifestChannels = new HashSet<string>(names, StringComparer.Ordinal);
            if (policyChannels.Count > 0 && manifestChannels.Count > 0 && !policyChannels.SetEquals(manifestChannels))
                updaterMessages.Add("workstation updater policy channels must match channel manifest channels");

            bool channelsValid = channelMessages.Count == 0, updaterValid = updaterMessages.Count == 0;
            return new WorkstationRollout(channelsValid, updaterValid, names, rows,
                channelsValid ? ChannelsSuccessMessage : string.Join("; ", channelMessages),
                updaterValid ? UpdaterSuccessMessage : string.Join("; ", updaterMessages));
        }

        private static void ReadChannel(JsonValue item, List<string> names, List<WorkstationTarget> rows, List<string> messages)
        {
            if (!(item is JsonObject channel))
            {
                messages.Add("workstation channel entry is invalid");
                return;
            }
            string name = EvidenceFields.Text(channel, "channel");
            names.Add(name);
            if (!(channel.Get("auto_update") is JsonBoolean auto && !auto.Value) || !EvidenceFields.IsTrue(channel, "approval_required"))
                messages.Add($"channel {(name.Length > 0 ? name : "unknown")} must require approval and disable auto update");
            if (!(channel.Get("workstation_targets") is JsonArray targets) || targets.Count == 0)
            {
                messages.Add($"channel {name} has no workstation targets");
                return;
            }
            foreach (var t in targets.Items)
            {
                if (!(t is JsonObject target))
                {
                    messages.Add($"channel {name} workstation target is invalid");
                    continue;
                }
                string id = EvidenceFields.Text(target, "id");
                string platform = EvidenceFields.Text(target, "platform");
                string tool = EvidenceFields.Text(target, "management_tool");
                rows.Add(new WorkstationTarget(name, id, platform, tool, EvidenceFields.Text(target, "binary")));
                if (id.Length == 0 || platform.Length == 0 || EvidenceFields.Text(target, "deployment_channel").Length == 0 || tool.Length == 0)
                    messages.Add($"channel {name} target is missing deployment guidance");
            }
        }

        /// <summary>Upstream's summary dict: <c>{channels_valid, updater_valid, channels, workstation_targets, channels_message, updater_message}</c>.</summary>
        public void WriteJson(CanonicalJsonWriter w) =>
            w.StartObject().Property("channels_valid", ChannelsValid).Property("updater_valid", UpdaterValid)
             .Property("channels", Channels).Property("workstation_targets", WorkstationTargets)
             .Property("channels_message", ChannelsMessage).Property("updater_message", UpdaterMessage).EndObject();
    }
}
