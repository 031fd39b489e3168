namespace Kis.Realtime.Gateway; internal static class Placeholder { }
