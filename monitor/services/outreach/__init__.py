"""Reaching the NGOs: organisations, invitations and their links, the open call, enrolment
(register or decline, file choices, the team)."""
