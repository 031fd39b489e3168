using Kis.Realtime.Cli;

return await KisrtApp.RunAsync(args);
