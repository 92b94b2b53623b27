using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cavra.Gate.Tests;

namespace Cavra.Api.Tests;

/// <summary>The command line and the executable host: options, exit codes, and the standard-input lifeline.</summary>
public sealed class HostTests
{
    [Fact]
    public void Defaults_are_loopback_port_8000_and_the_environment()
    {
        var o = ApiOptions.Parse(Array.Empty<string>());
        Assert.Equal(IPAddress.Loopback, o.Address);
        Assert.Equal(8000, o.Port);
        Assert.Null(o.SettingsPath);
        Assert.False(o.AllowRemote);
        Assert.False(o.ExitWhenStdinCloses);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("192.0.2.10")]
    public void A_non_loopback_address_needs_allow_remote(string address)
    {
        var ex = Assert.Throws<ArgumentException>(() => ApiOptions.Parse(new[] { "--address", address }));
        Assert.Contains("--allow-remote", ex.Message);
        Assert.Equal(IPAddress.Parse(address), ApiOptions.Parse(new[] { "--address", address, "--allow-remote" }).Address);
    }

    [Theory]
    [InlineData("127.0.0.2")]
    [InlineData("::1")]
    public void Any_loopback_address_is_allowed(string address) =>
        Assert.Equal(IPAddress.Parse(address), ApiOptions.Parse(new[] { "--address", address }).Address);

    [Theory]
    [InlineData("--port", "65536")]
    [InlineData("--port", "-1")]
    [InlineData("--port", "eighty")]
    [InlineData("--address", "localhost")]
    [InlineData("--settings", "")]
    [InlineData("--bogus", "x")]
    [InlineData("--port")]
    public void Bad_options_are_refused(params string[] args) => Assert.Throws<ArgumentException>(() => ApiOptions.Parse(args));

    [Fact]
    public void Options_parse()
    {
        var o = ApiOptions.Parse(new[] { "--port", "0", "--settings", "s.json", "--exit-when-stdin-closes" });
        Assert.Equal(0, o.Port);
        Assert.Equal(Path.GetFullPath("s.json"), o.SettingsPath);
        Assert.True(o.ExitWhenStdinCloses);
    }

    private static Process Host(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Cavra.Api.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var p = Host(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); Assert.Fail("the host did not exit"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void A_missing_settings_file_stops_the_host_at_start_with_exit_code_2()
    {
        string missing = Path.Combine(Path.GetTempPath(), "cavra-no-such-settings-" + Guid.NewGuid().ToString("N") + ".json");
        var (code, _, err) = Run("--port", "0", "--settings", missing);
        Assert.Equal(2, code);
        Assert.Contains(missing, err);
        RejectionTests.AssertNoStackTrace(err);
    }

    [Fact]
    public void A_bad_command_line_is_exit_code_2_with_usage()
    {
        var (code, _, err) = Run("--address", "0.0.0.0");
        Assert.Equal(2, code);
        Assert.Contains("--allow-remote", err);
        Assert.Contains("usage:", err);
    }

    [Fact]
    public void An_address_the_host_cannot_bind_is_exit_code_1_without_a_stack_trace()
    {
        // An IPv4-mapped IPv6 address passes the loopback check but cannot be bound here: once an unhandled SocketException (134).
        var (code, _, err) = Run("--port", "0", "--address", "::ffff:127.0.0.1");
        Assert.Equal(1, code);
        Assert.Contains("cannot listen", err);
        RejectionTests.AssertNoStackTrace(err);
    }

    [Fact]
    public void A_port_in_use_is_exit_code_1()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var (code, _, err) = Run("--port", ((IPEndPoint)taken.LocalEndpoint).Port.ToString());
            Assert.Equal(1, code);
            Assert.Contains("cannot listen", err);
            RejectionTests.AssertNoStackTrace(err);
        }
        finally { taken.Stop(); }
    }

    [Fact]
    public async Task It_announces_its_address_serves_and_exits_when_standard_input_closes()
    {
        using var evidence = new EvidenceSet();
        string settings = SettingsFile.Write(Path.Combine(evidence.Directory, "s.json"), evidence.Parameters());
        using var p = Host("--port", "0", "--settings", settings, "--exit-when-stdin-closes");
        try
        {
            string first = (await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)))!;
            Assert.StartsWith("Cavra readiness API listening on http://127.0.0.1:", first);
            var uri = new Uri(first.Split(' ').Last());
            Assert.NotEqual(0, uri.Port);

            using var http = new HttpClient { BaseAddress = uri };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
            Assert.Contains("\"schema_version\": \"cavra.go-backend-pilot.promotion-readiness.v1\"", await http.GetStringAsync("runtime/go-pilot/promotion-readiness"));

            p.StandardInput.Close();
            Assert.True(p.WaitForExit(20_000), "the host did not stop when its standard input closed");
            Assert.Equal(0, p.ExitCode);
        }
        finally { if (!p.HasExited) p.Kill(true); }
    }
}
