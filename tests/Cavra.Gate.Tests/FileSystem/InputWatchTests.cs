using Cavra.Gate.FileSystem;
using Cavra.Gate.Pilot;

namespace Cavra.Gate.Tests.FileSystem;

/// <summary>
/// Issue 15: the per-action look at the gate inputs (docs/design/evaluation.md §2.1). On Linux an inotify watch stands in
/// for the stats; these tests change inputs in ways a stat cannot see (same size, modification time put back) so they
/// fail if the watch is not what looks, and in ways only a stat can see (a re-pointed link) so they fail if the fallback
/// is lost. Each case runs with the watch and with stats alone where both must agree.
/// </summary>
public sealed class InputWatchTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cavra-watch-").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static InputStamps Stamps(bool watch, params string[] paths)
    {
        var stamps = new InputStamps(paths, new InputFiles(), watch);
        Assert.True(stamps.Look()); // the first look is a change
        Assert.False(stamps.Watched); // one look (a one-off evaluation) holds no inotify instance
        Assert.False(stamps.Look()); // the second sets up the watch
        Assert.Equal(watch && OperatingSystem.IsLinux(), stamps.Watched);
        return stamps;
    }

    /// <summary>Rewrites a file in place with text of the same length and puts its modification time back.</summary>
    private static void RewriteUnseenByStat(string path, string sameLengthText)
    {
        var written = File.GetLastWriteTimeUtc(path);
        File.WriteAllText(path, sameLengthText);
        File.SetLastWriteTimeUtc(path, written);
    }

    [Fact]
    public void On_linux_plain_inputs_are_watched_and_nothing_is_left_to_stat()
    {
        if (!OperatingSystem.IsLinux()) return;
        var a = Write("evidence/a.json", "{}");
        var missing = Path.Combine(_root, "evidence", "later.json");
        using var stamps = Stamps(true, a, missing, "");
        Assert.True(stamps.Watched);
        for (int i = 0; i < 5; i++) Assert.False(stamps.Look());
    }

    [Fact]
    public void A_rewrite_that_keeps_size_and_time_is_seen_by_the_watch_and_not_by_a_stat()
    {
        if (!OperatingSystem.IsLinux()) return;
        var a = Write("evidence/a.json", "{\"v\": 1}");
        using var watched = Stamps(true, a);
        using var statted = Stamps(false, a);
        RewriteUnseenByStat(a, "{\"v\": 2}");
        Assert.True(watched.Look());
        Assert.False(statted.Look()); // the reason the watch is stricter, not merely faster
        Assert.False(watched.Look()); // the change is reported once
    }

    [Fact]
    public void An_atomic_replace_by_rename_is_a_change()
    {
        if (!OperatingSystem.IsLinux()) return;
        var a = Write("evidence/a.json", "{\"v\": 1}");
        using var stamps = Stamps(true, a);
        var written = File.GetLastWriteTimeUtc(a);
        var staged = Write("evidence/a.json.tmp", "{\"v\": 2}");
        File.SetLastWriteTimeUtc(staged, written);
        File.Move(staged, a, overwrite: true);
        Assert.True(stamps.Look());
    }

    [Fact]
    public void A_write_through_a_hard_link_in_another_directory_is_a_change()
    {
        if (!OperatingSystem.IsLinux()) return;
        var a = Write("evidence/a.json", "{\"v\": 1}");
        Directory.CreateDirectory(Path.Combine(_root, "elsewhere"));
        var other = Path.Combine(_root, "elsewhere", "alias.json");
        Assert.Equal(0, NativeFiles.Link(a, other));
        using var stamps = Stamps(true, a);
        RewriteUnseenByStat(other, "{\"v\": 2}");
        Assert.True(stamps.Look());
    }

    [Fact]
    public void A_directory_above_the_input_swapped_for_another_is_a_change()
    {
        if (!OperatingSystem.IsLinux()) return;
        var a = Write("site/evidence/a.json", "{\"v\": 1}");
        using var stamps = Stamps(true, a);
        var written = File.GetLastWriteTimeUtc(a);
        Directory.Move(Path.Combine(_root, "site"), Path.Combine(_root, "site.old"));
        var b = Write("site/evidence/a.json", "{\"v\": 2}");
        File.SetLastWriteTimeUtc(b, written);
        Assert.True(stamps.Look());
    }

    [Fact]
    public void Other_files_in_a_watched_directory_are_not_a_change()
    {
        if (!OperatingSystem.IsLinux()) return;
        var a = Write("evidence/a.json", "{}");
        using var stamps = Stamps(true, a);
        for (int i = 0; i < 20; i++) File.AppendAllText(Path.Combine(_root, "evidence", "journal.jsonl"), "{}\n");
        Directory.CreateDirectory(Path.Combine(_root, "evidence", "sub"));
        File.WriteAllText(Path.Combine(_root, "beside.txt"), "x");
        Assert.False(stamps.Look());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_input_that_appears_under_a_directory_that_did_not_exist_is_a_change(bool watch)
    {
        var later = Path.Combine(_root, "not-yet", "deeper", "a.json");
        using var stamps = Stamps(watch, later);
        Assert.False(stamps.Look());
        Write("not-yet/deeper/a.json", "{}");
        Assert.True(stamps.Look());
        Assert.False(stamps.Look());
        File.Delete(later);
        Assert.True(stamps.Look());
    }

    [Fact]
    public void An_input_behind_a_symbolic_link_is_stat_ed_so_re_pointing_the_link_is_a_change()
    {
        if (OperatingSystem.IsWindows()) return;
        Write("one/a.json", "{\"v\": 1}");
        Write("two/a.json", "{\"v\": 22}");
        var link = Path.Combine(_root, "current");
        Directory.CreateSymbolicLink(link, Path.Combine(_root, "one"));
        var input = Path.Combine(link, "a.json");
        var plain = Write("plain.json", "{}");
        using var stamps = Stamps(true, input, plain);
        if (OperatingSystem.IsLinux()) Assert.True(stamps.Watched); // the plain input still is
        Assert.False(stamps.Look());
        Directory.Delete(link);
        Directory.CreateSymbolicLink(link, Path.Combine(_root, "two"));
        Assert.True(stamps.Look());
    }

    [Fact]
    public void A_directory_input_changes_with_its_entries_not_with_writes_inside_its_files()
    {
        if (!OperatingSystem.IsLinux()) return;
        var package = Path.Combine(_root, "package");
        var log = Write("package/runtime.log", "");
        using var stamps = Stamps(true, package);
        File.AppendAllText(log, "a line\n"); // the stat of a directory does not see this either
        Assert.False(stamps.Look());
        Write("package/cavra-runtime.json", "{}");
        Assert.True(stamps.Look());
    }

    [Fact]
    public void An_overflowing_event_queue_is_a_change()
    {
        if (!OperatingSystem.IsLinux()) return;
        int limit = int.Parse(File.ReadAllText("/proc/sys/fs/inotify/max_queued_events").Trim());
        if (limit > 200_000) return; // too many events to make here
        var a = Write("evidence/a.json", "{}");
        using var stamps = Stamps(true, a);
        var noise = new[] { Path.Combine(_root, "evidence", "n1"), Path.Combine(_root, "evidence", "n2") };
        using (var s1 = new FileStream(noise[0], FileMode.Create))
        using (var s2 = new FileStream(noise[1], FileMode.Create))
        {
            // Alternating files: the kernel folds an event into an identical one just before it, not otherwise.
            for (int i = 0; i <= limit; i++) { var s = i % 2 == 0 ? s1 : s2; s.WriteByte(1); s.Flush(); }
        }
        Assert.True(stamps.Look()); // events were lost: nothing can be vouched for
        Assert.False(stamps.Look());
    }

    [Fact]
    public void Disposing_releases_the_inotify_descriptor()
    {
        if (!OperatingSystem.IsLinux()) return;
        var a = Write("evidence/a.json", "{}");
        int before = Directory.GetFiles("/proc/self/fd").Length;
        for (int i = 0; i < 20; i++) using (Stamps(true, a)) { }
        Assert.InRange(Directory.GetFiles("/proc/self/fd").Length, 0, before + 10); // slack for files other tests open meanwhile; a leak is 20
    }
}
