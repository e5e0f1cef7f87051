"""The canonical example of Databricks' AUTO CDC documentation: users 123-126, out of order
updates and a delete, sequenced by sequenceNum, with operation and sequenceNum not copied."""

from __future__ import annotations

USERS = "userId INT, name STRING, city STRING, operation STRING, sequenceNum INT"
USERS_CDF = [
    (124, "Raul", "Oaxaca", "INSERT", 1),
    (123, "Isabel", "Monterrey", "INSERT", 1),
    (125, "Mercedes", "Tijuana", "INSERT", 2),
    (126, "Lily", "Cancun", "INSERT", 2),
    (123, None, None, "DELETE", 6),
    (125, "Mercedes", "Guadalajara", "UPDATE", 6),
    (125, "Mercedes", "Mexicali", "UPDATE", 5),
    (123, "Isabel", "Chihuahua", "UPDATE", 5),
]
