using Kis.Realtime.Simulator.Market;
using Kis.Realtime.Simulator.Rules;

namespace Kis.Realtime.Tests.Simulator;

/// <summary>
/// The simulator's and the venues' KRX windows on a day of changed hours (Markets/holidays.csv): the year's first
/// trading day opens at 10:00 (2026-01-02), the exam day moves the whole day session an hour (2026-11-19: 10:00–16:30,
/// its closing call 16:20–16:30). Each rule read the normal day's fixed times: a recording's 09:30 book of 01-02 was
/// taken as continuous trading, the exam day's 15:25 as the closing call, a restart at 16:00 on the exam day jumped to
/// the next morning, and a VI could start (and print) before a late open.
/// </summary>
public sealed class ChangedHoursDayTests
{
    private static DateTime Kst(int year, int month, int day, int hour, int minute) => new(year, month, day, hour, minute, 0);

    private static DateTimeOffset KstOffset(int year, int month, int day, int hour, int minute) =>
        new(Kst(year, month, day, hour, minute), KoreaTime.Offset);

    [Fact]
    public void The_call_windows_of_a_late_open_and_of_the_exam_day_are_that_days()
    {
        // A normal day: the pre-open call before 09:00, the closing call 15:20–15:30.
        Assert.True(KrxCalls.InCallWindow(KstOffset(2026, 11, 20, 8, 59)));
        Assert.False(KrxCalls.InCallWindow(KstOffset(2026, 11, 20, 9, 30)));
        Assert.True(KrxCalls.InCallWindow(KstOffset(2026, 11, 20, 15, 25)));
        Assert.False(KrxCalls.InCallWindow(KstOffset(2026, 11, 20, 15, 35)));
        // The first trading day of 2026 opens at 10:00 and closes as usual.
        Assert.True(KrxCalls.InCallWindow(KstOffset(2026, 1, 2, 9, 30)));
        Assert.False(KrxCalls.InCallWindow(KstOffset(2026, 1, 2, 10, 0)));
        Assert.True(KrxCalls.InCallWindow(KstOffset(2026, 1, 2, 15, 25)));
        // The exam day: everything an hour late.
        Assert.True(KrxCalls.InCallWindow(KstOffset(2026, 11, 19, 9, 30)));
        Assert.False(KrxCalls.InCallWindow(KstOffset(2026, 11, 19, 15, 25)));
        Assert.True(KrxCalls.InCallWindow(KstOffset(2026, 11, 19, 16, 25)));
        Assert.False(KrxCalls.InCallWindow(KstOffset(2026, 11, 19, 16, 35)));
        // The paper venue's replayed stock asks with the KST wall clock: the same answers.
        Assert.True(KrxCalls.InCallWindow(Kst(2026, 1, 2, 9, 30)));
        Assert.False(KrxCalls.InCallWindow(Kst(2026, 11, 19, 15, 25)));
    }

    [Fact]
    public void A_restart_during_the_exam_days_late_session_continues_the_day()
    {
        // The regular session ends at 15:40 (the closing print's window), at 16:40 on the exam day.
        Assert.Equal(Kst(2026, 11, 19, 16, 0), MarketClock.NextDemoMorningIfClosed(Kst(2026, 11, 19, 16, 0)));
        Assert.Equal(Kst(2026, 11, 19, 16, 39), MarketClock.NextDemoMorningIfClosed(Kst(2026, 11, 19, 16, 39)));
        Assert.Equal(Kst(2026, 11, 20, 9, 0), MarketClock.NextDemoMorningIfClosed(Kst(2026, 11, 19, 16, 40)));
        // A normal day (a Friday: the next morning is Monday's).
        Assert.Equal(Kst(2026, 11, 20, 15, 39), MarketClock.NextDemoMorningIfClosed(Kst(2026, 11, 20, 15, 39)));
        Assert.Equal(Kst(2026, 11, 23, 9, 0), MarketClock.NextDemoMorningIfClosed(Kst(2026, 11, 20, 15, 40)));
    }

    [Fact]
    public void No_vi_runs_before_ten_minutes_after_a_late_open_nor_into_the_days_closing_call()
    {
        var lateOpen = Kst(2026, 1, 2, 0, 0);
        var exam = Kst(2026, 11, 19, 0, 0);
        var before = 0;
        for (var seed = 1; seed <= 300; seed++)
        {
            var vi = new ViSchedule(seed, "005930", StockVenue.Krx);
            // A normal day's first VIs come from 09:10; on 01-02 none may run before 10:10 (the pre-open call to 10:00).
            for (var second = 9 * 3600; second < 10 * 3600 + 600; second += 30)
            {
                if (vi.At(Kst(2026, 11, 20, 0, 0).AddSeconds(second)).Active >= 0) before++;
                Assert.True(vi.At(lateOpen.AddSeconds(second)).Active < 0, $"seed {seed}: a VI at {TimeSpan.FromSeconds(second)} on 2026-01-02");
                Assert.True(vi.At(exam.AddSeconds(second)).Active < 0, $"seed {seed}: a VI at {TimeSpan.FromSeconds(second)} on the exam day");
            }
            // The exam day's continuous trading runs to 16:20: its VIs may run to 16:18, none into the call.
            for (var second = 16 * 3600 + 18 * 60; second < 16 * 3600 + 30 * 60; second += 30)
                Assert.True(vi.At(exam.AddSeconds(second)).Active < 0, $"seed {seed}: a VI at {TimeSpan.FromSeconds(second)} on the exam day");
        }
        Assert.True(before > 100, $"only {before} VI samples in 09:00–10:10 of a normal day: the check above sees nothing");
        // The exam day's VIs move with its hours: some run after a normal day's last (15:18).
        var late = Enumerable.Range(1, 300).Count(seed => new ViSchedule(seed, "005930", StockVenue.Krx).At(exam.AddHours(16).AddMinutes(10)).Active >= 0);
        Assert.True(late > 0, "no VI at 16:10 of the exam day in 300 seeds");
    }
}
