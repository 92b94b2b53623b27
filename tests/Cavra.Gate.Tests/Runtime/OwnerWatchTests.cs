using System.Diagnostics;
using Cavra.Gate.Runtime;

namespace Cavra.Gate.Tests.Runtime;

/// <summary>The watcher that ends a daemon whose owner died without stopping it.</summary>
[Collection("daemon")]
public sealed class OwnerWatchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cavra-watch-test-").FullName;
    private readonly List<Process> _started = new();

    public void Dispose()
    {
        foreach (var p in _started) { try { if (!p.HasExited) p.Kill(true); } catch (InvalidOperationException) { } p.Dispose(); }
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    /// <summary>A stand-in "daemon": a process that runs until signalled, and a socket directory with a file in it.</summary>
    private (Process Daemon, string Socket, string Directory) FakeDaemon()
    {
        var daemon = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "exec sleep 60" }, RedirectStandardInput = true })!;
        _started.Add(daemon);
        string directory = Path.Combine(_dir, "sock-" + _started.Count);
        Directory.CreateDirectory(directory);
        string socket = Path.Combine(directory, GoRuntimeDaemon.SocketFileName);
        File.WriteAllText(socket, "");
        return (daemon, socket, directory);
    }

    [Fact]
    public void An_owner_that_is_gone_ends_the_daemon_and_removes_its_socket_directory()
    {
        if (!OwnerWatch.IsAvailable) return;
        var (daemon, socket, directory) = FakeDaemon();
        var watch = OwnerWatch.Start(daemon, socket, directory)!;
        int watcher = watch.ProcessId;
        Assert.True(DaemonScope.IsAlive(watcher));
        watch.Abandon();
        Assert.True(daemon.WaitForExit(10000), "the daemon outlived its owner");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((Directory.Exists(directory) || DaemonScope.IsAlive(watcher)) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.False(File.Exists(socket));
        Assert.False(Directory.Exists(directory));
        Assert.False(DaemonScope.IsAlive(watcher));
    }

    [Fact]
    public void An_owner_that_stops_its_daemon_itself_leaves_the_daemon_and_directory_to_it()
    {
        if (!OwnerWatch.IsAvailable) return;
        var (daemon, socket, directory) = FakeDaemon();
        var watch = OwnerWatch.Start(daemon, socket, directory)!;
        int watcher = watch.ProcessId;
        watch.Dispose();
        watch.Dispose(); // idempotent
        DaemonScope.AssertGone(new[] { watcher });
        Thread.Sleep(300);
        Assert.False(daemon.HasExited, "the watcher acted after being told to stop");
        Assert.True(File.Exists(socket));
    }

    [Fact]
    public void A_daemon_that_ignores_sigterm_is_killed()
    {
        if (!OwnerWatch.IsAvailable) return;
        var daemon = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "trap '' TERM; while :; do sleep 1; done" } })!;
        _started.Add(daemon);
        string directory = Path.Combine(_dir, "stubborn");
        Directory.CreateDirectory(directory);
        Thread.Sleep(200); // let the trap be set
        var watch = OwnerWatch.Start(daemon, Path.Combine(directory, GoRuntimeDaemon.SocketFileName), directory)!;
        watch.Abandon();
        Assert.True(daemon.WaitForExit(15000), "a daemon ignoring SIGTERM outlived its owner");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.Exists(directory) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.False(Directory.Exists(directory));
    }
}
