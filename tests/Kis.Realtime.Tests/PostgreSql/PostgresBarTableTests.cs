using Kis.Realtime.PostgreSql.Internal;

namespace Kis.Realtime.Tests.PostgreSql;

/// <summary>
/// kisrt's bars table, owned by the PostgreSQL package (issue 44, item 2): named per interval and quoted as the history's
/// names are (the CLI quoted them itself before, without escaping). Its round trip through a real database is
/// BarsPostgresTests (integration).
/// </summary>
public sealed class PostgresBarTableTests
{
    [Fact]
    public void A_table_per_interval_named_and_quoted_as_the_historys_tables()
    {
        Assert.Equal("bars_1m", PostgresBarTable.TableOf(BarSpec.Minutes(1)));
        Assert.Equal("\"kis\".\"bars_1m\"", new PostgresBarTable("kis", BarSpec.Minutes(1)).Qualified);
        Assert.Equal("bars_1d", new PostgresBarTable("kis", BarSpec.Day).Name);
        // A quote in a name is doubled, as PostgresSchema.Quote does for every history table.
        Assert.Equal("\"my\"\"bars\".\"bars_30s\"", new PostgresBarTable("my\"bars", BarSpec.Seconds(30)).Qualified);
    }

    [Fact]
    public void Bars_without_an_interval_have_no_table()
    {
        var refused = Assert.Throws<ArgumentException>(() => new PostgresBarTable("kis", BarSpec.Ticks(100)));
        Assert.Equal("spec", refused.ParamName);
    }
}
