using Cavra.Gate.Json;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Tests.Core;

public sealed class InputFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cavra-files-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, byte[] bytes) { var p = Path.Combine(_dir, name); File.WriteAllBytes(p, bytes); return p; }

    [Fact]
    public void Not_configured_missing_directory_and_valid()
    {
        var files = new InputFiles(_dir);
        Assert.Equal("metadata path is not configured", files.ReadObject("").Message);
        Assert.Equal("metadata file is missing", files.ReadObject("nope.json").Message);
        Assert.Equal("metadata file is missing", files.ReadObject(_dir).Message);
        Write("ok.json", "{\"a\": 1}"u8.ToArray());
        var ok = files.ReadObject("ok.json");
        Assert.True(ok.Valid);
        Assert.Equal("metadata file is present and parseable", ok.Message);
        Assert.Equal(Path.Combine(_dir, "ok.json"), ok.Path);
    }

    [Fact]
    public void Invalid_documents_fail_closed_with_reasons()
    {
        var files = new InputFiles(_dir);
        Write("empty.json", Array.Empty<byte>());
        Write("list.json", "[1]"u8.ToArray());
        Write("big.json", new byte[2 * 1024 * 1024]);
        Write("dup.json", "{\"a\": 1, \"a\": 1}"u8.ToArray());
        Assert.Equal("metadata JSON is invalid: file is empty", files.ReadObject("empty.json").Message);
        Assert.Equal("metadata JSON must be an object", files.ReadObject("list.json").Message);
        Assert.StartsWith("metadata file is larger than 1 MiB", files.ReadObject("big.json").Message);
        Assert.StartsWith("metadata JSON is invalid: Duplicate key \"a\"", files.ReadObject("dup.json").Message);
    }

    [Fact]
    public void A_file_that_changes_size_while_it_is_read_is_read_whole_or_refused_past_the_limit()
    {
        Write("moving.json", "{}"u8.ToArray()); // 2 bytes when its length is checked
        string grown = "{\"a\": \"" + new string('x', 200_000) + "\"}";
        var files = new InputFiles(_dir) { OpenRead = _ => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(grown)) };
        var check = files.ReadObject("moving.json");
        Assert.True(check.Valid, check.Message);
        Assert.Equal(200_000, ((JsonString)check.Payload.Members[0].Value).Value.Length);

        files = new InputFiles(_dir) { OpenRead = _ => new MemoryStream(new byte[InputFiles.MaxFileBytes + 1]) };
        Assert.StartsWith("metadata file is larger than 1 MiB", files.ReadObject("moving.json").Message);

        Write("shrunk.json", new byte[100]);
        files = new InputFiles(_dir) { OpenRead = _ => new MemoryStream("{\"b\": 1}"u8.ToArray()) };
        Assert.True(files.ReadObject("shrunk.json").Valid);

        // Exactly at the limit is still accepted by the reader (the parser then judges the content).
        Write("edge.json", new byte[1]);
        files = new InputFiles(_dir) { OpenRead = _ => new MemoryStream(System.Text.Encoding.UTF8.GetBytes("{}" + new string(' ', (int)InputFiles.MaxFileBytes - 2))) };
        Assert.True(files.ReadObject("edge.json").Valid);
    }

    [Fact]
    public void Unreadable_file_is_invalid_not_an_exception()
    {
        Write("secret.json", "{}"u8.ToArray());
        var files = new InputFiles(_dir) { OpenRead = _ => throw new UnauthorizedAccessException("denied") };
        var check = files.ReadObject("secret.json");
        Assert.False(check.Valid);
        Assert.Equal("metadata file could not be read: permission denied", check.Message);
    }

    [Fact]
    public void Reports_every_file_read_and_hashes_files()
    {
        var files = new InputFiles(_dir);
        var read = new List<string>();
        files.FileRead += read.Add;
        var p = Write("a.json", "{}"u8.ToArray());
        files.ReadObject("a.json");
        Assert.Equal(new[] { p }, read);
        Assert.Equal("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", files.Sha256("a.json"));
        Assert.Null(files.Sha256("missing"));
    }
}
