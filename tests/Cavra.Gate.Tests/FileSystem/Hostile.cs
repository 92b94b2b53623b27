using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Cavra.Gate.Tests;

/// <summary>
/// Special files for the hostile-file-system tests, and a hard deadline for code that used to hang on them: the call runs
/// on its own background thread and the test fails at the deadline instead of waiting forever (a thread still blocked in
/// the kernel is abandoned; it does not keep the test host alive).
/// </summary>
public static class Hostile
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static T Bounded<T>(Func<T> call, TimeSpan? deadline = null, string what = "the call")
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = call(); }
            catch (Exception ex) { failure = ex; }
        }) { IsBackground = true, Name = "hostile-bounded" };
        thread.Start();
        if (!thread.Join(deadline ?? Deadline)) Assert.Fail($"{what} did not return within {(deadline ?? Deadline).TotalSeconds} s (it hangs)");
        if (failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        return result;
    }

    public static void Bounded(Action call, TimeSpan? deadline = null, string what = "the call") =>
        Bounded(() => { call(); return 0; }, deadline, what);

    /// <summary>Creates a FIFO (Unix only) and returns its path.</summary>
    public static string MakeFifo(string path)
    {
        if (mkfifo(path, 0b110_100_100) != 0) throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
        return path;
    }

    /// <summary>Creates a character device node like /dev/null (needs root); null when this process may not.</summary>
    public static string? TryMakeCharacterDevice(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mknod", new[] { path, "c", "1", "3" }) { RedirectStandardError = true, UseShellExecute = false })!;
        p.WaitForExit(10_000);
        return p.ExitCode == 0 ? path : null;
    }

#pragma warning disable SYSLIB1054 // a test helper: DllImport keeps the project free of unsafe-code settings
    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
#pragma warning restore SYSLIB1054
}
