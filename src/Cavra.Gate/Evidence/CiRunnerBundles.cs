using System;
using System.Collections.Generic;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Evidence
{
    /// <summary>One row of <c>ci_runner_targets</c>: a runner bundle and the endpoint target it references.</summary>
    public sealed class CiRunnerTarget : ICanonicalJson
    {
        public CiRunnerTarget(string deploymentTarget, string platform, string runtimeBinary, string surface)
        {
            DeploymentTarget = deploymentTarget; Platform = platform; RuntimeBinary = runtimeBinary; Surface = surface;
        }

        public string DeploymentTarget { get; }
        public string Platform { get; }
        public string RuntimeBinary { get; }
        /// <summary>The referenced endpoint target's surface, "" when the target is unknown.</summary>
        public string Surface { get; }

        public override string ToString() => $"{DeploymentTarget} ({Platform}, {RuntimeBinary})";

        public void WriteJson(CanonicalJsonWriter w) =>
            w.StartObject().Property("deployment_target", DeploymentTarget).Property("platform", Platform)
             .Property("runtime_binary", RuntimeBinary).Property("surface", Surface).EndObject();
    }

    /// <summary>
    /// Upstream <c>_ci_runner_summary(ci_payload, endpoint_payload)</c> (docs/design/evidence.md §7.1): the CI runner bundle metadata
    /// (<c>cavra.go-runtime.ci-runner-bundles.v1</c>) checked against the endpoint deployment manifest's targets.
    /// Stricter than upstream (docs/design/README.md §4.1): a <c>controls</c> or <c>deployment_targets</c> that is null or not a list,
    /// a <c>runner_bundles</c> of the wrong type, non-string controls and non-object deployment targets are invalid with a
    /// message naming the problem instead of raising or being iterated character by character; null is never a non-empty string.
    /// </summary>
    public sealed class CiRunnerBundles : ICanonicalJson
    {
        public const string Schema = "cavra.go-runtime.ci-runner-bundles.v1";
        public const string SourceMetadata = DeploymentMetadataPaths.EndpointDeploymentFileName;
        public const string CiRunnerSurface = "ci-runner";
        public const string EvidenceVerificationOutput = "release-governance-evidence-verification.json";
        public const string SuccessMessage = "CI runner bundles reference verified ci-runner targets, declare every required control and publish evidence verification output.";

        /// <summary>The controls every CI runner bundle file must declare (reported sorted when missing).</summary>
        public static readonly IReadOnlyList<string> RequiredControls = new[]
        {
            "verified-signed-runtime-before-runner-use",
            "runner-authentication-claims-signed",
            "runner-authentication-oidc-verified",
            "daemon-evidence-stream-hmac-signed",
            "evidence-verification-artifact-published",
            "blocking-decision-fails-closed-by-default",
        };

        private CiRunnerBundles(bool valid, IReadOnlyList<CiRunnerTarget> targets, string message, IReadOnlyList<string> missingControls)
        {
            Valid = valid; Targets = targets; Message = message; MissingControls = missingControls;
        }

        public bool Valid { get; }
        public IReadOnlyList<CiRunnerTarget> Targets { get; }
        public string Message { get; }
        /// <summary>What Format-List and string expansion show: the validation message, not the type name.</summary>
        public override string ToString() => Message;
        /// <summary>Required controls the file does not declare, sorted ordinally.</summary>
        public IReadOnlyList<string> MissingControls { get; }

        /// <summary>Validates a parsed CI runner bundle file against a parsed endpoint deployment manifest
        /// (either may be <see cref="JsonObject.Empty"/> when its file was not readable). Never throws.</summary>
        public static CiRunnerBundles Summarize(JsonObject ciPayload, JsonObject endpointPayload)
        {
            var messages = new List<string>();
            if (EvidenceFields.Text(ciPayload, "schema_version") != Schema)
                messages.Add("CI runner bundle metadata has an invalid schema_version");
            if (EvidenceFields.Text(ciPayload, "source_metadata") != SourceMetadata)
                messages.Add("CI runner bundle metadata must reference " + SourceMetadata);

            var missing = new List<string>();
            var controls = ciPayload.Get("controls");
            if (controls == null || controls is JsonArray)
            {
                var declared = new HashSet<string>(StringComparer.Ordinal);
                bool allStrings = true;
                if (controls is JsonArray list)
                    foreach (var item in list.Items)
                        if (item is JsonString s) declared.Add(s.Value); else allStrings = false;
                if (!allStrings) messages.Add("CI runner bundle metadata controls must be a list of strings");
                foreach (var required in RequiredControls) if (!declared.Contains(required)) missing.Add(required);
                missing.Sort(StringComparer.Ordinal);
                if (missing.Count > 0) messages.Add("CI runner bundle metadata is missing controls: " + string.Join(", ", missing));
            }
            else
            {
                missing.AddRange(RequiredControls);
                missing.Sort(StringComparer.Ordinal);
                messages.Add("CI runner bundle metadata controls must be a list of strings, found " + Shape.Describe(controls));
            }

            var index = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            var endpointTargets = endpointPayload.Get("deployment_targets");
            if (endpointTargets is JsonArray targetList)
            {
                bool entriesValid = true;
                foreach (var item in targetList.Items)
                {
                    if (item is JsonObject target)
                    {
                        string id = EvidenceFields.Text(target, "id");
                        if (id.Length > 0) index[id] = target; // the last target with an id wins, as in upstream's dict
                    }
                    else entriesValid = false;
                }
                if (!entriesValid) messages.Add("endpoint deployment manifest deployment_targets entry is invalid");
            }
            else if (endpointTargets != null)
            {
                messages.Add("endpoint deployment manifest deployment_targets must be a list, found " + Shape.Describe(endpointTargets));
            }

            var rows = new List<CiRunnerTarget>();
            var bundles = ciPayload.Get("runner_bundles");
            if (!(bundles is JsonArray bundleList) || bundleList.Count == 0)
            {
                messages.Add(bundles == null || bundles is JsonArray
                    ? "CI runner bundle metadata has no runner_bundles"
                    : "CI runner bundle metadata has no runner_bundles (runner_bundles must be a list, found " + Shape.Describe(bundles) + ")");
            }
            else
            {
                foreach (var item in bundleList.Items)
                {
                    if (!(item is JsonObject bundle))
                    {
                        messages.Add("CI runner bundle entry is invalid");
                        continue;
                    }
                    string targetId = EvidenceFields.Text(bundle, "deployment_target");
                    string platform = EvidenceFields.Text(bundle, "platform");
                    JsonObject? target = targetId.Length > 0 && index.TryGetValue(targetId, out var found) ? found : null;
                    rows.Add(new CiRunnerTarget(targetId, platform, EvidenceFields.Text(bundle, "runtime_binary"),
                        target == null ? "" : EvidenceFields.Text(target, "surface")));
                    string label = targetId.Length > 0 ? targetId : "unknown";
                    if (targetId.Length == 0 || platform.Length == 0)
                        messages.Add("CI runner bundle entry is missing platform or deployment_target");
                    if (target == null || EvidenceFields.Text(target, "surface") != CiRunnerSurface)
                        messages.Add("CI runner bundle references an invalid CI runner target: " + label);
                    if (!RequiredOutputsText(bundle).Contains(EvidenceVerificationOutput))
                        messages.Add("CI runner bundle is missing evidence verification output: " + label);
                }
            }

            bool valid = messages.Count == 0;
            return new CiRunnerBundles(valid, rows, valid ? SuccessMessage : string.Join("; ", messages), missing);
        }

        /// <summary>Upstream joins <c>required_outputs</c> with newlines and looks for a substring; only string elements count here.</summary>
        private static string RequiredOutputsText(JsonObject bundle)
        {
            if (!(bundle.Get("required_outputs") is JsonArray outputs)) return "";
            var parts = new List<string>(outputs.Count);
            foreach (var o in outputs.Items) if (o is JsonString s) parts.Add(s.Value);
            return string.Join("\n", parts);
        }

        /// <summary>Upstream's summary dict: <c>{valid, targets, message}</c>.</summary>
        public void WriteJson(CanonicalJsonWriter w) =>
            w.StartObject().Property("valid", Valid).Property("targets", Targets).Property("message", Message).EndObject();
    }

    /// <summary>Names a JSON value's type for messages ("found null", "found string", ...).</summary>
    internal static class Shape
    {
        public static string Describe(JsonValue? value)
        {
            switch (value)
            {
                case null: return "nothing";
                case JsonNull _: return "null";
                case JsonString _: return "a string";
                case JsonNumber _: return "a number";
                case JsonBoolean _: return "a boolean";
                case JsonObject _: return "an object";
                default: return "a list";
            }
        }
    }
}
