using System.Text;
namespace Cavra.Gate.Tests.Core;
public class RecordFuzz
{
    [Fact]
    public void Record()
    {
        if (Environment.GetEnvironmentVariable("CAVRA_RECORD_FUZZ") != "1") return;
        var sb = new StringBuilder();
        foreach (var f in JsonReaderFuzzTests.Fixtures().Select(o => (string)o[0]))
            foreach (var (i, bytes) in JsonReaderFuzzTests.Mutations(f).Take(300))
            {
                string outcome = LegacyJsonParser.TryParse(bytes, out var v, out var e) ? "accept " + JsonReaderFuzzTests.Hash(v) : "reject " + e!.Message;
                Assert.Equal(outcome, JsonReaderFuzzTests.Outcome(bytes, out _, out _));
                sb.Append(f).Append('\t').Append(i).Append('\t').Append(outcome).Append('\n');
            }
        File.WriteAllText(JsonReaderFuzzTests.ExpectationsPath, sb.ToString(), new UTF8Encoding(false));
    }
}
