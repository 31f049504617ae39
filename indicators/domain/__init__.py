"""The domain: periods, the status rules, targets judged against actuals (scorecard), tasks and their
occurrences, units below the province, values, text, the province registry across the 2025 merger, league tables
and the summary sentences. Pure functions and small classes over pandas frames: no I/O, no database, no Streamlit;
every other layer stands on it."""
