using System.Collections.Generic;
using System.Text;
using Cavra.Gate.Configuration;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Evidence
{
    /// <summary>
    /// Upstream <c>_deployment_metadata_paths</c> (docs/design/configuration.md §4): where each of the four deployment metadata files is read
    /// from, an explicit configuration value first, else its default file name inside the release package directory, else
    /// not configured (null). Written as the deployment report's <c>metadata_paths</c> with <see cref="DisplayPath(string?)"/>.
    /// </summary>
    public sealed class DeploymentMetadataPaths : ICanonicalJson
    {
        public const string EndpointDeploymentFileName = "cavra-runtime.endpoint-deployment.json";
        public const string CiRunnerBundlesFileName = "cavra-runtime.ci-runner-bundles.json";
        public const string ChannelManifestFileName = "cavra-runtime.channels.json";
        public const string UpdaterPolicyFileName = "cavra-runtime.updater-policy.json";

        private DeploymentMetadataPaths(string packageDir, string? endpoint, string? ciRunner, string? channels, string? updater)
        {
            PackageDir = packageDir;
            EndpointDeployment = endpoint;
            CiRunnerBundles = ciRunner;
            ChannelManifest = channels;
            UpdaterPolicy = updater;
        }

        /// <summary>The configured release package directory as written ("" when unset).</summary>
        public string PackageDir { get; }
        public override string ToString() => PackageDir.Length == 0 ? "no package directory" : PackageDir;
        /// <summary>The path to read for each file (as configured or joined onto the package directory); null when not configured.</summary>
        public string? EndpointDeployment { get; }
        public string? CiRunnerBundles { get; }
        public string? ChannelManifest { get; }
        public string? UpdaterPolicy { get; }

        /// <summary>Upstream's <c>configured</c>: a package directory is set or any metadata path resolves.</summary>
        public bool Configured => PackageDir.Length > 0 || EndpointDeployment != null || CiRunnerBundles != null
            || ChannelManifest != null || UpdaterPolicy != null;

        /// <summary>The four paths by their upstream keys, in upstream order, as displayed.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Displayed => new[]
        {
            new KeyValuePair<string, string>("endpoint_deployment", DisplayPath(EndpointDeployment)),
            new KeyValuePair<string, string>("ci_runner_bundles", DisplayPath(CiRunnerBundles)),
            new KeyValuePair<string, string>("channel_manifest", DisplayPath(ChannelManifest)),
            new KeyValuePair<string, string>("updater_policy", DisplayPath(UpdaterPolicy)),
        };

        public static DeploymentMetadataPaths From(GateConfig config)
        {
            string packageDir = config.PackageDir;
            string? Configured(string explicitPath, string defaultName) =>
                explicitPath.Length > 0 ? explicitPath : packageDir.Length > 0 ? Join(packageDir, defaultName) : null;
            return new DeploymentMetadataPaths(packageDir,
                Configured(config.EndpointDeploymentPath, EndpointDeploymentFileName),
                Configured(config.CiRunnerBundlesPath, CiRunnerBundlesFileName),
                Configured(config.ChannelManifestPath, ChannelManifestFileName),
                Configured(config.UpdaterPolicyPath, UpdaterPolicyFileName));
        }

        /// <summary>Python <c>Path(directory) / name</c> without the exceptions System.IO.Path.Combine can raise on odd input.</summary>
        private static string Join(string directory, string name)
        {
            char last = directory[directory.Length - 1];
            bool endsWithSeparator = last == '/' || last == System.IO.Path.DirectorySeparatorChar;
            return endsWithSeparator ? directory + name : directory + System.IO.Path.DirectorySeparatorChar + name;
        }

        /// <summary>Upstream <c>_display_path</c> (docs/design/configuration.md §4.1) with this platform's separator.</summary>
        public static string DisplayPath(string? path) => DisplayPath(path, System.IO.Path.DirectorySeparatorChar);

        /// <summary>
        /// Upstream <c>_display_path</c>: "" for no path, otherwise the path as Python's <c>pathlib</c> prints it:
        /// "." components and a trailing separator are dropped, repeated separators collapse, <c>Path("")</c> is ".".
        /// Exactly two leading separators are kept, as pathlib keeps them (POSIX implementation-defined root, UNC on Windows).
        /// With <paramref name="separator"/> '\' (Windows) '/' is a separator too and the result uses '\'.
        /// </summary>
        public static string DisplayPath(string? path, char separator)
        {
            if (path == null) return "";
            string p = separator == '/' ? path : path.Replace('/', separator);
            string root = "";
            if (p.Length >= 2 && p[0] == separator && p[1] == separator && (p.Length == 2 || p[2] != separator)) root = new string(separator, 2);
            else if (p.Length >= 1 && p[0] == separator) root = separator.ToString();
            var sb = new StringBuilder(p.Length);
            sb.Append(root);
            bool any = false;
            foreach (var part in p.Split(separator))
            {
                if (part.Length == 0 || part == ".") continue;
                if (any) sb.Append(separator);
                sb.Append(part);
                any = true;
            }
            return sb.Length == 0 ? "." : sb.ToString();
        }

        /// <summary>The report's <c>metadata_paths</c> object.</summary>
        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject();
            foreach (var kv in Displayed) w.Property(kv.Key, kv.Value);
            w.EndObject();
        }
    }
}
