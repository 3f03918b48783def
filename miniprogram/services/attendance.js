/** The caller's attendance record and certificates of participation (docs/api.md "Attendance record"). */
const { request, download } = require('../api/request');

/** GET /me/attendance?year= → {year, years, total, items}: the activities attended (checked in) that year. */
const getMyAttendance = (year) => request('/me/attendance', { query: year ? { year } : {} });

/** GET /me/attendance/{registration_id}/certificate.pdf → the temp path of the downloaded PDF. */
const downloadCertificate = (registrationId) => download(`/me/attendance/${registrationId}/certificate.pdf`);

module.exports = { getMyAttendance, downloadCertificate };
