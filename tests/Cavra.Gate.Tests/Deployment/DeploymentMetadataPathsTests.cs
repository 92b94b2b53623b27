using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;

namespace Cavra.Gate.Tests.Deployment;

public class DeploymentMetadataPathsTests
{
    [Theory]
    [InlineData(null, "")]
    [InlineData("", ".")]
    [InlineData(".", ".")]
    [InlineData("./", ".")]
    [InlineData("./dir//x.json", "dir/x.json")]
    [InlineData("dir/", "dir")]
    [InlineData("dir///", "dir")]
    [InlineData("a/./b/.", "a/b")]
    [InlineData("../x.json", "../x.json")]
    [InlineData("/abs//pkg/", "/abs/pkg")]
    [InlineData("/", "/")]
    [InlineData("//net/x", "//net/x")]
    [InlineData("///x", "/x")]
    [InlineData("plain.json", "plain.json")]
    public void Display_path_prints_like_python_pathlib(string? path, string expected) =>
        Assert.Equal(expected, DeploymentMetadataPaths.DisplayPath(path, '/'));

    [Theory]
    [InlineData("./dir//x.json", "dir\\x.json")]
    [InlineData(".\\dir\\\\x.json\\", "dir\\x.json")]
    [InlineData("C:/pkg/x.json", "C:\\pkg\\x.json")]
    [InlineData("\\\\server\\share\\x", "\\\\server\\share\\x")]
    public void Display_path_uses_backslashes_on_windows(string path, string expected) =>
        Assert.Equal(expected, DeploymentMetadataPaths.DisplayPath(path, '\\'));

    private static GateConfig Config(GateParameters p) => GateConfig.Resolve(p, _ => null);

    [Fact]
    public void Nothing_configured_gives_no_paths()
    {
        var paths = DeploymentMetadataPaths.From(Config(new GateParameters()));
        Assert.False(paths.Configured);
        Assert.Null(paths.EndpointDeployment);
        Assert.Null(paths.CiRunnerBundles);
        Assert.Null(paths.ChannelManifest);
        Assert.Null(paths.UpdaterPolicy);
        Assert.All(paths.Displayed, kv => Assert.Equal("", kv.Value));
    }

    [Fact]
    public void Package_dir_supplies_the_default_file_names_and_explicit_paths_win()
    {
        var paths = DeploymentMetadataPaths.From(Config(new GateParameters { PackageDir = "./pkg/", ChannelManifestPath = "meta//channels.json" }));
        Assert.True(paths.Configured);
        Assert.Equal("./pkg/cavra-runtime.endpoint-deployment.json", paths.EndpointDeployment);
        Assert.Equal("./pkg/cavra-runtime.ci-runner-bundles.json", paths.CiRunnerBundles);
        Assert.Equal("meta//channels.json", paths.ChannelManifest);
        Assert.Equal("./pkg/cavra-runtime.updater-policy.json", paths.UpdaterPolicy);
        Assert.Equal(new[] { "endpoint_deployment", "ci_runner_bundles", "channel_manifest", "updater_policy" }, paths.Displayed.Select(kv => kv.Key));
        Assert.Equal(new[] { "pkg/cavra-runtime.endpoint-deployment.json", "pkg/cavra-runtime.ci-runner-bundles.json", "meta/channels.json", "pkg/cavra-runtime.updater-policy.json" },
            paths.Displayed.Select(kv => kv.Value));
    }

    [Fact]
    public void One_explicit_path_alone_counts_as_configured()
    {
        var paths = DeploymentMetadataPaths.From(Config(new GateParameters { UpdaterPolicyPath = "u.json" }));
        Assert.True(paths.Configured);
        Assert.Null(paths.EndpointDeployment);
        Assert.Equal("u.json", paths.UpdaterPolicy);
    }

    [Fact]
    public void Writes_the_metadata_paths_object_in_upstream_order()
    {
        var paths = DeploymentMetadataPaths.From(Config(new GateParameters { PackageDir = "pkg" }));
        var doc = EvidenceSet.Canonical(paths);
        Assert.Equal(new[] { "endpoint_deployment", "ci_runner_bundles", "channel_manifest", "updater_policy" }, EvidenceSet.Keys(doc));
    }
}
