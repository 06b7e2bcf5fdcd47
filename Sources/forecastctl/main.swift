import ForecastCLI

Forecastctl.main()
