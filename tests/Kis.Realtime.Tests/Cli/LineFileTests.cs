using System.Text;
using Kis.Realtime.Internal;
using static Kis.Realtime.Tests.Cli.CliTestKit;

namespace Kis.Realtime.Tests.Cli;

public class LineFileTests
{
    [Fact]
    public void A_torn_last_line_is_moved_to_the_torn_file_and_new_lines_follow_the_last_complete_one()
    {
        var path = Path.Combine(EmptyDirectory(), "raw.log");
        File.WriteAllText(path, "one\ntwo\nthr");

        using (var stream = LineFile.OpenForAppend(path, out var torn))
        {
            Assert.Equal(3, torn);
            stream.Write("four\n"u8);
        }

        Assert.Equal("one\ntwo\nfour\n", File.ReadAllText(path));
        Assert.Equal("thr\n", File.ReadAllText(path + LineFile.TornSuffix));
    }

    [Fact]
    public void Fragments_of_several_crashes_are_kept_one_per_line()
    {
        var path = Path.Combine(EmptyDirectory(), "H0UPCNT0.jsonl");
        File.WriteAllText(path, "{\"a\":1}\n{\"a\"");
        LineFile.OpenForAppend(path, out _).Dispose();
        File.AppendAllText(path, "{\"b\":2}\n{");
        LineFile.OpenForAppend(path, out _).Dispose();

        Assert.Equal("{\"a\":1}\n{\"b\":2}\n", File.ReadAllText(path));
        Assert.Equal(["{\"a\"", "{"], File.ReadAllLines(path + LineFile.TornSuffix));
    }

    [Fact]
    public void A_file_that_ends_cleanly_is_left_alone()
    {
        var path = Path.Combine(EmptyDirectory(), "raw.log");
        File.WriteAllText(path, "one\ntwo\n");
        using (var stream = LineFile.OpenForAppend(path, out var torn))
        {
            Assert.Equal(0, torn);
            Assert.Equal(stream.Length, stream.Position);
        }
        Assert.Equal("one\ntwo\n", File.ReadAllText(path));
        Assert.False(File.Exists(path + LineFile.TornSuffix));
    }

    [Fact]
    public void A_file_without_any_newline_is_one_torn_line_and_a_missing_file_is_created()
    {
        var dir = EmptyDirectory();
        var torn = Path.Combine(dir, "a.log");
        // Longer than the backwards scan's chunk, to cross its boundary.
        var fragment = new string('x', 150_000);
        File.WriteAllText(torn, fragment);
        LineFile.OpenForAppend(torn, out var tornBytes).Dispose();
        Assert.Equal(fragment.Length, tornBytes);
        Assert.Equal(0, new FileInfo(torn).Length);
        Assert.Equal(fragment + "\n", File.ReadAllText(torn + LineFile.TornSuffix, Encoding.ASCII));

        var missing = Path.Combine(dir, "b.log");
        LineFile.OpenForAppend(missing, out var none).Dispose();
        Assert.Equal(0, none);
        Assert.True(File.Exists(missing));
    }
}
