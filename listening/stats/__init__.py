"""Listening stats: top lists, activity, summaries and the year in review, in the listener's own zone.

`tally` keeps three summary tables (StatsItem, StatsDay, StatsHour) right on every write, in the same
transaction; `selectors` answers the stats from them (and from the listens themselves for the parts of a
range the tables cannot answer); `params` reads the query parameters shared by the API and the pages.
"""
